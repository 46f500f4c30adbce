package dev.mutual.experiments.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small real stage for the engine tests: reads text from an input file or from its upstream stage's
 * {@code out.txt}, writes it upper-cased plus a suffix (its config) to {@code out.txt}, and counts its runs.
 */
record UpperCaseStage(Path inputFile, String upstream, String suffix, AtomicInteger runs) implements Stage {

    static PipelineStage fromFile(String name, Path file, String suffix, AtomicInteger runs) {
        return new PipelineStage(name, "upper", "suffix: " + suffix, List.of(), new UpperCaseStage(file, null, suffix, runs));
    }

    static PipelineStage after(String name, String upstream, String suffix, AtomicInteger runs) {
        return new PipelineStage(name, "upper", "suffix: " + suffix, List.of(upstream), new UpperCaseStage(null, upstream, suffix, runs));
    }

    @Override
    public int codeVersion() {
        return 1;
    }

    @Override
    public List<Path> inputFiles() {
        return inputFile == null ? List.of() : List.of(inputFile);
    }

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        runs.incrementAndGet();
        String text = Files.readString(inputFile != null ? inputFile : ctx.upstreamDir(upstream).resolve("out.txt"));
        Files.writeString(ctx.workDir().resolve("out.txt"), text.toUpperCase() + suffix);
        return new StageResult(Map.of("chars", text.length()));
    }
}
