package dev.mutual.trainer.graph;

import dev.mutual.trainer.engine.TokenBatch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.model.DecoderWeights;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SameDiff decoder logits against Hugging Face transformers' on the fixtures of
 * {@code tools/make_parity_fixtures.py} (LLaMA, LLaMA-3 rope scaling, Mistral sliding window, Qwen2 bias + tied
 * head), the weighted loss against cross-entropy computed here from HF's logits, and causality.
 */
public class DecoderGraphParityTest {

    private static final Path PARITY = Path.of("src/test/resources/parity");
    private static final double LOGIT_TOLERANCE = 1e-4;

    public record Fixture(DecoderWeights weights, int[][] ids, int[] validLengths, double[][][] logits) {}

    public static Fixture fixture(String name) throws IOException {
        DecoderWeights weights = HfCheckpoint.load(PARITY.resolve(name)).weights();
        JsonNode e = new ObjectMapper().readTree(PARITY.resolve(name).resolve("expected.json").toFile());
        int batch = e.get("input_ids").size();
        int seq = e.get("input_ids").get(0).size();
        int[][] ids = new int[batch][seq];
        int[] valid = new int[batch];
        double[][][] logits = new double[batch][][];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) ids[b][t] = e.get("input_ids").get(b).get(t).asInt();
            valid[b] = e.get("valid_lengths").get(b).asInt();
            JsonNode rows = e.get("logits").get(b);
            logits[b] = new double[rows.size()][];
            for (int t = 0; t < rows.size(); t++) {
                JsonNode row = rows.get(t);
                logits[b][t] = new double[row.size()];
                for (int v = 0; v < row.size(); v++) logits[b][t][v] = row.get(v).asDouble();
            }
        }
        return new Fixture(weights, ids, valid, logits);
    }

    /** Max |logits - transformers' logits| over the fixture's real (unpadded) positions. */
    public static double maxLogitDifference(Fixture f, INDArray logits) {
        double maxDiff = 0;
        for (int b = 0; b < f.ids().length; b++) {
            for (int t = 0; t < f.validLengths()[b]; t++) {
                for (int v = 0; v < f.logits()[b][t].length; v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(logits.getDouble(b, t, v) - f.logits()[b][t][v]));
                }
            }
        }
        return maxDiff;
    }

    /** A next-token batch of a fixture and its weighted loss computed in double from transformers' logits. */
    public record HfLoss(TokenBatch batch, double loss) {}

    /** Pads and each row's last position weigh 0, token (0, 5) weighs 2, every other real token 1. */
    public static HfLoss hfLoss(Fixture f) {
        int batch = f.ids().length;
        int seq = f.ids()[0].length;
        int[][] targets = new int[batch][seq];
        double[][] weights = new double[batch][seq];
        double num = 0;
        double den = 0;
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t + 1 < f.validLengths()[b]; t++) {
                targets[b][t] = f.ids()[b][t + 1];
                weights[b][t] = (b == 0 && t == 5) ? 2 : 1;
                double[] row = f.logits()[b][t];
                double max = Double.NEGATIVE_INFINITY;
                for (double x : row) max = Math.max(max, x);
                double sum = 0;
                for (double x : row) sum += Math.exp(x - max);
                num += weights[b][t] * (Math.log(sum) + max - row[targets[b][t]]);
                den += weights[b][t];
            }
        }
        return new HfLoss(new TokenBatch(f.ids(), targets, weights), num / den);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3", "mistral", "qwen2"})
    void logitsAndLossMatchTransformers(String name) throws IOException {
        Fixture f = fixture(name);
        int batch = f.ids().length;
        int seq = f.ids()[0].length;
        DecoderGraph graph = DecoderGraph.build(f.weights(), batch, seq, DataType.FLOAT);
        INDArray logits = graph.logits(f.ids());
        double maxDiff = maxLogitDifference(f, logits);
        System.out.printf("parity %s: max |SameDiff - transformers| logit = %.2e%n", name, maxDiff);
        assertTrue(maxDiff < LOGIT_TOLERANCE, name + ": max logit difference " + maxDiff);

        // Next-token loss on the real tokens only: the graph's weighted CE against plain double arithmetic on HF's logits.
        HfLoss expected = hfLoss(f);
        double loss = graph.loss(expected.batch());
        System.out.printf("parity %s: loss SameDiff %.6f, from HF logits %.6f%n", name, loss, expected.loss());
        assertEquals(expected.loss(), loss, 1e-5, name + " weighted loss");
    }

    @Test
    void graphWeightsRoundTripExactly() throws IOException {
        DecoderWeights w = fixture("qwen2").weights();
        DecoderWeights back = DecoderGraph.build(w, 1, 4, DataType.FLOAT).toWeights();
        assertArrayEquals(w.embedTokens(), back.embedTokens());
        assertTrue(back.lmHead() == back.embedTokens(), "tied head stays tied");
        assertArrayEquals(w.layers().get(1).qBias(), back.layers().get(1).qBias());
        assertArrayEquals(w.layers().get(1).downProj(), back.layers().get(1).downProj());
    }

    /** Changing tokens at positions >= 12 leaves every logit before 12 bit-identical (mistral: window + GQA). */
    @Test
    void laterTokensDoNotChangeEarlierLogits() throws IOException {
        Fixture f = fixture("mistral");
        int seq = f.ids()[0].length;
        DecoderGraph graph = DecoderGraph.build(f.weights(), 2, seq, DataType.FLOAT);
        INDArray before = graph.logits(f.ids());
        int[][] changed = new int[2][];
        for (int b = 0; b < 2; b++) {
            changed[b] = f.ids()[b].clone();
            for (int t = 12; t < seq; t++) changed[b][t] = (changed[b][t] * 7 + 5) % 96;
        }
        INDArray after = graph.logits(changed);
        double early = 0;
        double late = 0;
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < seq; t++) {
                for (int v = 0; v < 96; v++) {
                    double d = Math.abs(before.getDouble(b, t, v) - after.getDouble(b, t, v));
                    if (t < 12) early = Math.max(early, d); else late = Math.max(late, d);
                }
            }
        }
        assertEquals(0.0, early, "logits before position 12 changed");
        assertTrue(late > 0.1, "changed tokens must change later logits, max change " + late);
    }
}
