package dev.mutual.experiments.pipeline;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The child JVM of {@link PipelineTest#aKilledRunLeavesNothingThatLooksFinished}: runs stage {@code upper},
 * then stage {@code blocking}, which blocks until the test kills this process.
 * Arguments: the runs root and the input text file.
 */
public final class KilledRunMain {

    public static void main(String[] args) throws Exception {
        Path runsRoot = Path.of(args[0]);
        Path input = Path.of(args[1]);
        Pipeline pipeline = new Pipeline(List.of(
                UpperCaseStage.fromFile("upper", input, "!", new AtomicInteger()),
                new PipelineStage("blocking", "blocking", "{}", List.of("upper"), new BlockingStage("upper", true))));
        try (RunDirectory run = RunDirectory.open(runsRoot, "killed", "name: killed\n", "", Instant.parse("2026-01-02T03:04:05Z"))) {
            pipeline.run(run, Set.of());
        }
    }

    private KilledRunMain() {}
}
