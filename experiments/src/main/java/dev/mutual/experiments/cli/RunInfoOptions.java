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
    @Option(names = "--model-name", defaultValue = "unknown", paramLabel = "NAME",
            description = "model that produced the responses, shown in reports (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--data-strategy", defaultValue = "unknown", paramLabel = "NAME",
            description = "data strategy of that model, e.g. seed-only, main-mutual-filter (default: ${DEFAULT-VALUE})")
    String dataStrategy;

    @Option(names = "--recipe", defaultValue = "cli", paramLabel = "FILE",
            description = "recipe that trained the model (default: ${DEFAULT-VALUE})")
    String recipe;

    EvalResult.RunInfo toRunInfo() {
        return new EvalResult.RunInfo(model, dataStrategy, recipe, gitHash());
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
