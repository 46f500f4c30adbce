package dev.mutual.trainer.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.checkpoint.Llama2cCheckpoint;
import dev.mutual.trainer.model.Tensor;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scoring against HF's logits, across batch sizes, and the unconditional (BOS-only) score. */
class ScorerTest {

    @Test
    void matchesLogSoftmaxOfTransformersLogits() throws IOException {
        // parity/qwen2: HF logits for 24 ids; score prompt ids[0..6) -> target ids[6..24)
        JsonNode expected = new ObjectMapper().readTree(HfParityTest.PARITY.resolve("qwen2/expected.json").toFile());
        HfCheckpoint.Loaded model = HfCheckpoint.load(HfParityTest.PARITY.resolve("qwen2"));
        int[] ids = new int[24];
        for (int t = 0; t < ids.length; t++) ids[t] = expected.get("input_ids").get(0).get(t).intValue();
        double[] want = new double[18];
        double wantSum = 0;
        for (int i = 0; i < want.length; i++) {
            JsonNode row = expected.get("logits").get(0).get(5 + i);
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (JsonNode v : row) max = Math.max(max, v.doubleValue());
            for (JsonNode v : row) sum += Math.exp(v.doubleValue() - max);
            want[i] = row.get(ids[6 + i]).doubleValue() - max - Math.log(sum);
            wantSum += want[i];
        }
        try (Decoder d = new Decoder(model.weights(), true, 1)) {
            Scorer.Score s = new Scorer(d, 4).score(new Scorer.Request(java.util.Arrays.copyOf(ids, 6), java.util.Arrays.copyOfRange(ids, 6, 24)));
            for (int i = 0; i < want.length; i++) assertEquals(want[i], s.tokenLogprobs()[i], 1e-4, "token " + i);
            assertEquals(wantSum, s.sumLogprob(), 1e-3);
            assertEquals(s.sumLogprob() / 18, s.meanLogprob(), 1e-12);
        }
    }

    @Test
    void batchOneAndSixteenAgree() {
        DecoderWeights w = Llama2cCheckpoint.read(Stories260KTest.model());
        Random rng = new Random(3);
        List<Scorer.Request> requests = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int[] prompt = new int[1 + rng.nextInt(30)], target = new int[1 + rng.nextInt(30)];
            prompt[0] = 1;
            for (int j = 1; j < prompt.length; j++) prompt[j] = 3 + rng.nextInt(509);
            for (int j = 0; j < target.length; j++) target[j] = 3 + rng.nextInt(509);
            requests.add(new Scorer.Request(prompt, target));
        }
        try (Decoder d = new Decoder(w, true, 2)) {
            List<Scorer.Score> one = new Scorer(d, 1).score(requests, null);
            List<Scorer.Score> sixteen = new Scorer(d, 16).score(requests, null);
            int[] calls = {0};
            new Scorer(d, 16).score(requests, n -> calls[0]++);
            assertEquals(2, calls[0]);
            for (int i = 0; i < requests.size(); i++) {
                assertEquals(one.get(i).sumLogprob(), sixteen.get(i).sumLogprob(), 1e-5);
                for (int j = 0; j < requests.get(i).target().length; j++) {
                    assertEquals(one.get(i).tokenLogprobs()[j], sixteen.get(i).tokenLogprobs()[j], 1e-5);
                }
            }
        }
    }

    @Test
    void unconditionalScoreOfTheGreedyStoryFromBos() {
        // Greedy tokens are each the argmax, so every log-prob is the largest in its row: > log(1/2) is not
        // guaranteed, but each must exceed log(1/512) (uniform) for this trained model, and the scalar path agrees.
        DecoderWeights w = Llama2cCheckpoint.read(Stories260KTest.model());
        Scorer.Request r = new Scorer.Request(new int[] {1}, Stories260KTest.GOLDEN);
        try (Decoder fast = new Decoder(w, true, 1); Decoder plain = new Decoder(w, false, 1)) {
            Scorer.Score a = new Scorer(fast, 1).score(r), b = new Scorer(plain, 1).score(r);
            for (int i = 0; i < 40; i++) {
                assertTrue(a.tokenLogprobs()[i] > Math.log(1.0 / 512), "token " + i);
                assertEquals(b.tokenLogprobs()[i], a.tokenLogprobs()[i], 1e-5);
            }
            assertEquals(40, a.tokenLogprobs().length);
        }
    }

    @Test
    void tiledLmHeadMatchesTheFullLogSoftmax() {
        // vocab 1100: two whole 512-column tiles and a partial one; 100 rows: one 96-row pass and a padded 4-row one.
        // Targets on every tile edge, where an off-by-one in the tile bookkeeping would show.
        ModelConfig c = new ModelConfig("llama", 32, 48, 1, 4, 2, 8, 1100, 128, 1e-5, 1e4, null, false, false, 0, 1, 2);
        DecoderWeights w = randomWeights(c, 5);
        Random rng = new Random(6);
        int[] seq = new int[101];
        for (int i = 0; i < seq.length; i++) seq[i] = rng.nextInt(c.vocabSize());
        int[] rows = new int[100], targets = new int[100];
        int[] edges = {0, 511, 512, 1023, 1024, 1099};
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
            targets[i] = i < edges.length ? edges[i] : rng.nextInt(c.vocabSize());
        }
        try (Decoder fast = new Decoder(w, true, 2); Decoder plain = new Decoder(w, false, 1)) {
            float[] hidden = plain.forward(List.of(new Decoder.Chunk(seq, plain.newCache(seq.length))));
            double[] want = plain.targetLogprobs(hidden, rows, targets), got = fast.targetLogprobs(hidden, rows, targets);
            double spread = 0;
            for (int i = 0; i < rows.length; i++) {
                assertEquals(want[i], got[i], 1e-5, "row " + i + " target " + targets[i]);
                spread = Math.max(spread, Math.abs(want[i] - want[0]));
            }
            assertTrue(spread > 1, "logits must not be near-uniform for this check to mean anything: " + spread);
            // a row alone gives the same value as in the 96-row pass
            assertEquals(got[7], fast.targetLogprobs(hidden, new int[] {7}, new int[] {targets[7]})[0], 0);
        }
    }

    /** Every tensor N(0, 0.5), norms around 1 (random so that they matter). */
    static DecoderWeights randomWeights(ModelConfig c, long seed) {
        Random r = new Random(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : DecoderWeights.hfShapes(c).entrySet()) {
            int n = 1;
            for (int s : e.getValue()) n *= s;
            float[] v = new float[n];
            boolean norm = e.getKey().endsWith("norm.weight");
            for (int i = 0; i < n; i++) v[i] = (float) (norm ? 1 + 0.2 * r.nextGaussian() : 0.5 * r.nextGaussian());
            tensors.put(e.getKey(), new Tensor(e.getValue(), v));
        }
        return DecoderWeights.fromHfTensors(c, tensors, "random");
    }
}
