package dev.mutual.experiments.pipeline;

import dev.mutual.experiments.recipe.ScorePairsConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The child JVM of {@link ScorePairsStageTest#aKilledRunResumesWithoutRedoingFinishedShards}: runs stage
 * score_pairs (shards of 2) and dies like a SIGKILL ({@link Runtime#halt}: no shutdown hooks, no finally blocks)
 * as soon as two shards are finished. Arguments: candidates, forward and reverse stage folders, the work folder.
 */
public final class ScorePairsKilledMain {

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[3]);
        Path shards = work.resolve(ScorePairsStage.SHARDS);
        Thread killer = new Thread(() -> {
            while (true) {
                try (Stream<Path> files = Files.isDirectory(shards) ? Files.list(shards) : Stream.empty()) {
                    if (files.filter(p -> p.getFileName().toString().startsWith("shard-")).count() >= 2) Runtime.getRuntime().halt(137);
                } catch (Exception e) {
                    // the folder is being written; look again
                }
                Thread.onSpinWait();
            }
        });
        killer.setDaemon(true);
        killer.start();
        ScorePairsStage stage = new ScorePairsStage(new ScorePairsConfig("cands", "forward", "reverse", 3, 2, "mutual", null));
        stage.run(new StageContext("score", work, Map.of("cands", Path.of(args[0]), "forward", Path.of(args[1]),
                "reverse", Path.of(args[2])), false));
        System.exit(3); // finished before the kill: the test reports it
    }

    private ScorePairsKilledMain() {}
}
