package dev.mutual.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.LossAndGradients;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** AdamW against torch.optim.AdamW ({@code tools/make_adamw_fixture.py}) and a training loop that learns. */
class AdamWTest {

    private static INDArray array(JsonNode node) {
        if (!node.get(0).isArray()) {
            double[] v = new double[node.size()];
            for (int i = 0; i < v.length; i++) v[i] = node.get(i).asDouble();
            return Nd4j.createFromArray(v);
        }
        double[][] v = new double[node.size()][node.get(0).size()];
        for (int i = 0; i < v.length; i++) for (int j = 0; j < v[i].length; j++) v[i][j] = node.get(i).get(j).asDouble();
        return Nd4j.createFromArray(v);
    }

    @Test
    void matchesTorchAdamWWithClippingAndDecayGroups() throws IOException {
        JsonNode e = new ObjectMapper().readTree(Path.of("src/test/resources/adamw/expected.json").toFile());
        AdamWConfig config = new AdamWConfig(e.get("lr").asDouble(), e.get("beta1").asDouble(),
                e.get("beta2").asDouble(), e.get("eps").asDouble(), e.get("weight_decay").asDouble(),
                e.get("max_grad_norm").asDouble());
        INDArray matrix = array(e.get("init").get("matrix"));
        INDArray vector = array(e.get("init").get("vector"));
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("matrix", matrix);
        params.put("vector", vector);
        AdamW adamw = new AdamW(config, params, Set.of("matrix"));
        double maxDiff = 0;
        for (JsonNode step : e.get("steps")) {
            Map<String, INDArray> grads = new LinkedHashMap<>();
            grads.put("matrix", array(step.get("grad_matrix")));
            grads.put("vector", array(step.get("grad_vector")));
            double norm = adamw.step(grads, config.learningRate());
            assertEquals(step.get("grad_norm").asDouble(), norm, 1e-12, "pre-clip gradient norm");
            maxDiff = Math.max(maxDiff, maxAbsDiff(matrix, array(step.get("matrix"))));
            maxDiff = Math.max(maxDiff, maxAbsDiff(vector, array(step.get("vector"))));
        }
        assertEquals(3, adamw.stepCount());
        assertTrue(maxDiff < 1e-12, "max |ours - torch| parameter after 3 steps: " + maxDiff);
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    @Test
    void decoderDecaysMatricesOnly() {
        ModelConfig c = new ModelConfig("qwen2", 16, 12, 1, 4, 2, 4, 13, 64, 1e-6, 1e4, null, true, true, 0, -1, -1);
        DecoderGraph graph = DecoderGraph.build(c, DecoderParameters.random(c, 1, DataType.FLOAT), 1, 4, DataType.FLOAT);
        AdamW adamw = AdamW.forDecoder(new AdamWConfig(1e-3, 0.9, 0.95, 1e-8, 0.1, 1.0), graph);
        assertEquals(Set.of("model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
                "model.layers.0.self_attn.v_proj.weight", "model.layers.0.self_attn.o_proj.weight",
                "model.layers.0.mlp.gate_proj.weight", "model.layers.0.mlp.up_proj.weight",
                "model.layers.0.mlp.down_proj.weight"), adamw.decayed());
    }

    /**
     * Copy task: 4 sequences "a b c d e f SEP a b c d e f" with loss weight only on the copied half. A tiny
     * decoder trained with AdamW must go from chance (ln 16 = 2.77) to reproducing every copied token greedily.
     */
    @Test
    void tinyDecoderLearnsToCopy() {
        int vocab = 16;
        int sep = 1;
        int half = 6;
        ModelConfig c = new ModelConfig("llama", 32, 64, 2, 4, 2, 8, vocab, 64, 1e-5, 1e4, null, false, false, 0, -1, -1);
        Random rng = new Random(3);
        int[][] ids = new int[4][2 * half + 1];
        for (int[] row : ids) {
            for (int t = 0; t < half; t++) row[t] = 2 + rng.nextInt(vocab - 2);
            row[half] = sep;
            System.arraycopy(row, 0, row, half + 1, half);
        }
        TokenBatch full = TokenBatch.nextToken(ids);
        double[][] weights = new double[4][2 * half];
        for (double[] w : weights) for (int t = half; t < 2 * half; t++) w[t] = 1;   // targets after SEP
        TokenBatch batch = new TokenBatch(full.inputIds(), full.targetIds(), weights);

        DecoderGraph graph = DecoderGraph.build(c, DecoderParameters.random(c, 5, DataType.FLOAT), 4, 2 * half,
                DataType.FLOAT);
        AdamW adamw = AdamW.forDecoder(new AdamWConfig(1e-2, 0.9, 0.95, 1e-8, 0.01, 1.0), graph);
        double first = 0;
        double last = 0;
        for (int step = 0; step < 40; step++) {
            try (LossAndGradients lg = graph.lossAndGradients(batch)) {
                if (step == 0) first = lg.loss();
                last = lg.loss();
                adamw.step(lg.gradients(), 1e-2);
            }
        }
        System.out.printf("copy task: loss %.4f -> %.4f after 40 AdamW steps%n", first, last);
        assertEquals(Math.log(vocab), first, 0.1, "initial loss is chance level");
        INDArray logits = graph.logits(batch.inputIds());
        int correct = 0;
        for (int b = 0; b < 4; b++) {
            for (int t = half; t < 2 * half; t++) {
                if (logits.get(NDArrayIndex.point(b), NDArrayIndex.point(t))
                        .argMax().getInt(0) == batch.targetIds()[b][t]) correct++;
            }
        }
        assertEquals(4 * half, correct, "greedy copies right");
        assertTrue(last < 0.1, "final loss " + last);
    }

    /**
     * The fused one-pass update (whole arrays) against the op-by-op ND4J path (taken for views) on the same numbers,
     * with clipping and decay active, in fp64 and fp32.
     */
    @Test
    void fusedUpdateMatchesTheOpByOpPath() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            Nd4j.getRandom().setSeed(3);
            INDArray start = Nd4j.randn(type, 4, 5);
            INDArray whole = start.dup();
            INDArray view = Nd4j.zeros(type, 2, 4, 5).slice(1).assign(start);   // a view: the ND4J path
            AdamW fused = new AdamW(new AdamWConfig(1e-2, 0.9, 0.95, 1e-8, 0.1, 0.5), Map.of("w", whole), Set.of("w"));
            AdamW plain = new AdamW(new AdamWConfig(1e-2, 0.9, 0.95, 1e-8, 0.1, 0.5), Map.of("w", view), Set.of("w"));
            for (int step = 0; step < 3; step++) {
                INDArray g = Nd4j.randn(type, 4, 5);
                assertEquals(plain.step(Map.of("w", Nd4j.zeros(type, 2, 4, 5).slice(0).assign(g)), 1e-2),
                        fused.step(Map.of("w", g.dup()), 1e-2), 1e-6);
            }
            double diff = whole.sub(view).amaxNumber().doubleValue();
            assertTrue(diff < (type == DataType.DOUBLE ? 1e-14 : 1e-6), type + ": fused vs op-by-op " + diff);
            assertTrue(whole.sub(start).amaxNumber().doubleValue() > 1e-3, "the parameters moved");
        }
    }

    /**
     * Several fp32 tensors in one step (laid end to end and split over the compute threads, pieces crossing tensor
     * borders; decayed and undecayed; one tensor of 7 elements) against the op-by-op path on views of the same numbers.
     */
    @Test
    void fp32TensorsTogetherMatchTheOpByOpPath() {
        Nd4j.getRandom().setSeed(4);
        long[][] shapes = {{3, 10000}, {5000}, {7}, {2, 9000}};
        Map<String, INDArray> whole = new java.util.LinkedHashMap<>(), views = new java.util.LinkedHashMap<>(),
                starts = new java.util.LinkedHashMap<>();
        for (int i = 0; i < shapes.length; i++) {
            INDArray start = Nd4j.randn(DataType.FLOAT, shapes[i]);
            whole.put("t" + i, start.dup());
            starts.put("t" + i, start);
            long[] doubled = new long[shapes[i].length + 1];
            doubled[0] = 2;
            System.arraycopy(shapes[i], 0, doubled, 1, shapes[i].length);
            views.put("t" + i, Nd4j.zeros(DataType.FLOAT, doubled).slice(1).assign(start));
        }
        Set<String> decayed = Set.of("t0", "t3");
        AdamWConfig config = new AdamWConfig(1e-2, 0.9, 0.95, 1e-8, 0.1, 0.5);
        AdamW together = new AdamW(config, whole, decayed), plain = new AdamW(config, views, decayed);
        for (int step = 0; step < 3; step++) {
            Map<String, INDArray> g = new java.util.LinkedHashMap<>(), gv = new java.util.LinkedHashMap<>();
            for (int i = 0; i < shapes.length; i++) {
                INDArray gi = Nd4j.randn(DataType.FLOAT, shapes[i]);
                g.put("t" + i, gi);
                long[] doubled = new long[shapes[i].length + 1];
                doubled[0] = 2;
                System.arraycopy(shapes[i], 0, doubled, 1, shapes[i].length);
                gv.put("t" + i, Nd4j.zeros(DataType.FLOAT, doubled).slice(0).assign(gi));
            }
            double expected = plain.step(gv, 1e-2);
            assertEquals(expected, together.step(g, 1e-2), 1e-6 * expected, "pre-clip norm");
        }
        for (String name : whole.keySet()) {
            double diff = whole.get(name).sub(views.get(name)).amaxNumber().doubleValue();
            assertTrue(diff < 1e-6, name + ": together vs op-by-op " + diff);
            assertTrue(whole.get(name).sub(starts.get(name)).amaxNumber().doubleValue() > 1e-3, name + " moved");
        }
    }
}
