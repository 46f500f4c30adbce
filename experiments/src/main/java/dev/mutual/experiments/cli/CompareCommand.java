package dev.mutual.experiments.cli;

import dev.mutual.data.InputFiles;
import dev.mutual.data.UserInputException;
import dev.mutual.eval.report.ComparedRun;
import dev.mutual.eval.report.Comparison;
import dev.mutual.eval.report.ComparisonReport;
import dev.mutual.eval.report.MetricComparison;
import dev.mutual.eval.report.PairedBootstrap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code mutual compare RUN_OR_RESULT... --baseline RUN_OR_RESULT --output DIR}: per benchmark, each run's score,
 * its delta against the baseline and a paired bootstrap interval, as markdown, CSV and PNG charts. Writes only
 * into {@code --output}.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Compare evaluation results with a baseline: markdown + CSV + PNG bar charts with paired "
                + "bootstrap confidence intervals. Arguments are evaluation directories (results.json + "
                + "samples.jsonl), results.json files, or run directories searched for them.")
final class CompareCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "RUN_OR_RESULT", description = "runs to compare with the baseline")
    List<Path> runs;

    @Option(names = "--baseline", required = true, paramLabel = "RUN_OR_RESULT", description = "the reference run")
    Path baseline;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "where the report is written")
    Path output;

    @Option(names = "--resamples", defaultValue = "10000", description = "bootstrap resamples (default: ${DEFAULT-VALUE})")
    @Range(min = 100)
    int resamples;

    @Option(names = "--seed", defaultValue = "1234", description = "bootstrap seed (default: ${DEFAULT-VALUE})")
    @Range
    long seed;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        InputFiles.requireOutputDirectory(output, "--output " + output);
        List<Path> all = new ArrayList<>();
        all.add(baseline);
        for (Path run : runs) {
            if (!run.toAbsolutePath().normalize().equals(baseline.toAbsolutePath().normalize())) all.add(run);
        }
        if (all.size() < 2) throw new UserInputException("name at least one run other than the --baseline " + baseline);
        List<String> labels = ComparedRun.labels(all);
        ComparedRun base = ComparedRun.load(all.get(0), labels.get(0));
        List<ComparedRun> compared = new ArrayList<>();
        for (int i = 1; i < all.size(); i++) compared.add(ComparedRun.load(all.get(i), labels.get(i)));

        Comparison comparison = Comparison.of(base, compared, new PairedBootstrap(resamples, seed, 0.95));
        List<Path> files = ComparisonReport.write(comparison, output);

        var out = spec.commandLine().getOut();
        for (MetricComparison r : comparison.rows()) {
            if (!r.primary()) continue;
            out.printf(Locale.ROOT, "%-16s %-28s %-20s %.4f  delta %+.4f  %s%n", r.benchmark(), r.metric(), r.run(),
                    r.score(), r.delta(), r.ci() == null ? "(no per-item scores)"
                            : String.format(Locale.ROOT, "95%% CI [%+.4f, %+.4f] n=%d", r.ci().low(), r.ci().high(), r.nPaired()));
        }
        for (String note : comparison.notes()) spec.commandLine().getErr().println("warning: " + note);
        for (Path f : files) out.println("wrote " + f);
        out.flush();
        return 0;
    }
}
