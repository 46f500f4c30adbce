package dev.mutual.experiments.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A stage that writes half its output, then (when {@code block}) waits forever for the test to kill its
 * process; otherwise it clears any leftovers and finishes. {@code block} is not part of its config, so both
 * variants share one cache key. Records in {@code resumedSeen} whether the pipeline reported leftovers.
 */
final class BlockingStage implements Stage {

    private final String upstream;
    private final boolean block;
    boolean resumedSeen;

    BlockingStage(String upstream, boolean block) {
        this.upstream = upstream;
        this.block = block;
    }

    @Override
    public int codeVersion() {
        return 1;
    }

    /** Resumable, to test that the pipeline hands leftovers over; it clears them itself. */
    @Override
    public boolean resumable() {
        return true;
    }

    @Override
    public List<Path> inputFiles() {
        return List.of();
    }

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        resumedSeen = ctx.resumed();
        if (ctx.resumed()) Pipeline.deleteTree(ctx.workDir());
        Files.createDirectories(ctx.workDir());
        String text = Files.readString(ctx.upstreamDir(upstream).resolve("out.txt"));
        Files.writeString(ctx.workDir().resolve("first-half.txt"), text.substring(0, text.length() / 2));
        if (block) {
            Files.writeString(ctx.workDir().resolve("started"), "");
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        Files.writeString(ctx.workDir().resolve("second-half.txt"), text.substring(text.length() / 2));
        return new StageResult(Map.of("chars", text.length()));
    }
}
