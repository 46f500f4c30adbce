package dev.mutual.experiments.cli;

import dev.mutual.eval.report.EvalResult;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Options naming where evaluated responses came from; they go into results.json and head each run's line in
 * {@code mutual compare}. Shared by the evaluate-from-responses commands as a picocli mixin.
 */
final class RunInfoOptions {
    @Option(names = "--model-name", paramLabel = "NAME",
            description = "model that produced the responses, shown in reports (default: named by the responses file, else unknown)")
    String model;

    @Option(names = "--data-strategy", paramLabel = "NAME",
            description = "data strategy of that model, e.g. seed-only, main-mutual-filter (default: unknown)")
    String dataStrategy;

    @Option(names = "--recipe", defaultValue = "cli", paramLabel = "FILE",
            description = "recipe that trained the model (default: ${DEFAULT-VALUE})")
    String recipe;

    EvalResult.RunInfo toRunInfo() {
        return toRunInfo("unknown", "unknown");
    }

    /** With the model and strategy the responses file names (e.g. alpaca_eval's "generator") unless given. */
    EvalResult.RunInfo toRunInfo(String fileModel, String fileStrategy) {
        return new EvalResult.RunInfo(model != null ? model : fileModel, dataStrategy != null ? dataStrategy : fileStrategy,
                recipe, gitHash());
    }

    /** Mutual's commit, from git in MUTUAL_HOME (set by bin/mutual) or the working directory; "unknown" without git. */
    static String gitHash() {
        String home = System.getenv("MUTUAL_HOME");
        try {
            Process p = new ProcessBuilder("git", "-C", home == null ? "." : home, "rev-parse", "--short=12", "HEAD")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && out.matches("[0-9a-f]+")) return out;
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }
}
