package dev.mutual.experiments.cli;

import dev.mutual.experiments.pipeline.MutualVersion;
import dev.mutual.experiments.pipeline.Pipeline;
import dev.mutual.experiments.pipeline.RunDirectory;
import dev.mutual.experiments.pipeline.StageOutcome;
import dev.mutual.experiments.pipeline.Stages;
import dev.mutual.experiments.recipe.Recipe;
import dev.mutual.experiments.recipe.RecipeWriter;
import dev.mutual.experiments.recipe.ReportConfig;
import dev.mutual.experiments.recipe.TableConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code mutual run RECIPE [key.path=value ...] [--force STAGE]}: runs a recipe's stages in its run directory. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a recipe: validate it, then run its stages in runs/<name>/<timestamp>-<hash>/.",
                "Running the same recipe again reuses finished stages and resumes unfinished ones."})
final class RunCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    RecipeArguments recipeArguments;

    @Option(names = "--force", paramLabel = "STAGE", description = "rerun this stage and everything downstream of it even if cached (repeatable)")
    List<String> force = new ArrayList<>();

    @Option(names = "--resume", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "continue an interrupted stage (training: from its newest checkpoint); --no-resume starts it over (default: resume)")
    boolean resume;

    @Override
    public Integer call() throws IOException {
        Recipe recipe = recipeArguments.load();
        run(recipe, recipeArguments.recipeFile, recipeArguments.overrides, new LinkedHashSet<>(force), resume,
                spec.commandLine().getOut());
        return 0;
    }

    /**
     * Runs {@code recipe} in its run directory (shared by {@code run} and {@code train --recipe}), printing the
     * directory, each stage's outcome and numbers to {@code out}; returns the run directory.
     */
    static Path run(Recipe recipe, Path recipeFile, List<String> overrides, Set<String> force, boolean resume,
                    PrintWriter out) throws IOException {
        Pipeline pipeline = Stages.pipeline(recipe);
        pipeline.withDownstream(force);  // checks the stage names before any work
        String resolved = RecipeWriter.toYaml(recipe);
        Instant now = Instant.now();
        String header = "# Resolved from " + recipeFile.toAbsolutePath().normalize()
                + (overrides.isEmpty() ? "" : " with overrides " + String.join(" ", overrides)) + "\n"
                + "# by mutual " + MutualVersion.VERSION + " at " + now + "; mutual run this file to repeat the run.\n";
        try (RunDirectory run = RunDirectory.open(Path.of("").toAbsolutePath().resolve(recipe.paths().runs()), recipe.name(), resolved, header, now)) {
            out.println("run directory: " + run.dir() + (run.resumed() ? " (resuming an earlier run of this recipe)" : ""));
            out.flush();
            log.info("recipe {}{}: resolved in {}", recipeFile, overrides.isEmpty() ? "" : " with overrides " + overrides,
                    run.dir().resolve(RunDirectory.RESOLVED_RECIPE));
            List<StageOutcome> outcomes = pipeline.run(run, force, resume);
            for (StageOutcome o : outcomes) {
                out.println("  " + o.name() + ": " + o.status().name().toLowerCase() + " " + o.manifest().metrics());
            }
            out.println("done: " + run.dir());
            // the report is what a run is for: its path is the last line
            recipe.stages().forEach((name, stage) -> {
                if (stage instanceof ReportConfig) out.println("report: " + run.dir().resolve(name).resolve("report.md"));
                if (stage instanceof TableConfig) out.println("table: " + run.dir().resolve(name).resolve("table.md"));
            });
            return run.dir();
        }
    }
}
