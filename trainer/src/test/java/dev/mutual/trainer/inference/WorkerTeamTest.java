package dev.mutual.trainer.inference;

import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The decoder's persistent threads: every part exactly once per job, failures reach the caller, same bits as 1 thread. */
class WorkerTeamTest {
    @Test
    void everyPartRunsExactlyOncePerJob() {
        try (WorkerTeam team = new WorkerTeam(3)) {
            for (int job = 0; job < 2000; job++) {
                int parts = 1 + job % 37;
                AtomicIntegerArray hits = new AtomicIntegerArray(parts);
                team.run(parts, hits::incrementAndGet);
                for (int p = 0; p < parts; p++) assertEquals(1, hits.get(p), "job " + job + ", part " + p);
                if (job % 500 == 0) sleepMillis(5); // helpers park between jobs, then must be woken
            }
        }
    }

    @Test
    void aFailingPartReachesTheCallerAndTheTeamGoesOn() {
        try (WorkerTeam team = new WorkerTeam(2)) {
            IllegalStateException e = new IllegalStateException("part 5");
            assertSame(e, assertThrows(IllegalStateException.class, () -> team.run(8, p -> {
                if (p == 5) throw e;
            })));
            AtomicIntegerArray hits = new AtomicIntegerArray(8);
            team.run(8, hits::incrementAndGet);
            for (int p = 0; p < 8; p++) assertEquals(1, hits.get(p));
        }
    }

    @Test
    void decoderGivesTheSameBitsOnOneTwoAndThreeThreads() {
        // large enough that batch-1 products, the fused q/k/v and gate/up regions and the LM head take the threads
        ModelConfig c = new ModelConfig("llama", 256, 704, 2, 4, 2, 64, 4000, 256, 1e-5, 1e4, null, false, false, 0, 1, 2);
        DecoderWeights w = ScorerTest.randomWeights(c, 11);
        float[][] hidden = new float[3][], logits = new float[3][];
        int[][] greedy = new int[3][], sampled = new int[3][];
        for (int t = 1; t <= 3; t++) {
            try (Decoder d = new Decoder(w, true, t)) {
                KvCache cache = d.newCache(16);
                hidden[t - 1] = d.forward(List.of(new Decoder.Chunk(new int[] {1, 17, 400, 3999, 5}, cache)));
                logits[t - 1] = d.logits(hidden[t - 1], 0, 5);
                Generator g = new Generator(d);
                greedy[t - 1] = g.generate(List.of(new int[] {1, 9}), GenerationOptions.greedy(24), null).get(0).tokens();
                GenerationOptions o = new GenerationOptions(12, 0.7, 0, 0.9, 1, List.of(), List.of(), 3);
                List<Generator.Result> rs = g.generate(List.of(new int[] {1, 2, 3}, new int[] {1, 77}, new int[] {1}), o, null);
                sampled[t - 1] = rs.stream().flatMapToInt(r -> java.util.Arrays.stream(r.tokens())).toArray();
            }
        }
        for (int t = 2; t <= 3; t++) {
            assertArrayEquals(hidden[0], hidden[t - 1], "hidden, " + t + " threads");
            assertArrayEquals(logits[0], logits[t - 1], "logits, " + t + " threads");
            assertArrayEquals(greedy[0], greedy[t - 1], "greedy, " + t + " threads");
            assertArrayEquals(sampled[0], sampled[t - 1], "sampled, " + t + " threads");
        }
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
