package dev.mutual.experiments.serve;

import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A real model file whose greedy reply to any prompt is known in advance: a judge for tests that read a grade from
 * the reply text. Every layer's output projections are zero, so the last hidden state is the current token's
 * embedding and the model is a bigram table: every token embeds to e0 except the reply's own tokens, the i-th of which
 * embeds to e(i+1); the output head maps e0 to the reply's first token, e(i) to its (i+1)-th and the last one to EOS.
 * The reply's tokens must be distinct, and the prompt must not end in one of them.
 */
public final class ScriptedReplyModel {
    private static final int DIM = 16;

    private ScriptedReplyModel() {
    }

    /** Saves the model for {@code pieces} (vocabulary entries of {@code tokenizerFile}) into {@code dir} as an HF folder. */
    public static void save(Path dir, Path tokenizerFile, List<String> pieces) throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(tokenizerFile)) {
            int[] reply = new int[pieces.size()];
            for (int i = 0; i < reply.length; i++) reply[i] = idOf(tok, pieces.get(i));
            HfCheckpoint.save(dir, weights(tok.vocabSize(), reply, 2), List.of(tokenizerFile));
        }
    }

    /**
     * Saves a model whose next-token logits are 8 for {@code first}, 4 for {@code second} and 0 for the rest at every
     * position, whatever the prompt: a judge whose top logprobs (AlpacaEval's classifier prompt reads them) are known.
     */
    public static void saveVerdict(Path dir, Path tokenizerFile, String first, String second) throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(tokenizerFile)) {
            HfCheckpoint.save(dir, verdictWeights(tok.vocabSize(), idOf(tok, first), idOf(tok, second)), List.of(tokenizerFile));
        }
    }

    /** Every token embeds to the same vector and every output projection is zero: logits 8 / 4 / 0 at every position. */
    static DecoderWeights verdictWeights(int vocab, int first, int second) {
        int d = 8, heads = 2, f = 16;
        ModelConfig c = new ModelConfig("llama", d, f, 1, heads, heads, d / heads, vocab, 4096, 1e-5, 10000.0, null,
                false, false, 0, 1, 2);
        List<DecoderWeights.Layer> layers = new ArrayList<>();
        layers.add(new DecoderWeights.Layer(ones(d), new float[d * d], null, new float[d * d], null, new float[d * d], null,
                new float[d * d], ones(d), new float[f * d], new float[f * d], new float[d * f]));
        float[] head = new float[vocab * d];
        for (int i = 0; i < d; i++) {
            head[first * d + i] = 1;
            head[second * d + i] = 0.5f;
        }
        float[] embed = new float[vocab * d];
        Arrays.fill(embed, 1f);
        return new DecoderWeights(c, embed, layers, ones(d), head);
    }

    /** The id whose vocabulary entry is exactly {@code piece}. */
    public static int idOf(TextTokenizer tok, String piece) {
        for (int id = 0; id < tok.vocabSize(); id++) if (tok.token(id).equals(piece)) return id;
        throw new AssertionError("no token " + piece);
    }

    /** The bigram model described above; the context (16384 positions) leaves room for MT-Bench's longest prompts. */
    static DecoderWeights weights(int vocab, int[] reply, int eos) {
        if (reply.length + 1 > DIM || Arrays.stream(reply).distinct().count() != reply.length) {
            throw new IllegalArgumentException("at most " + (DIM - 1) + " distinct reply tokens: " + Arrays.toString(reply));
        }
        int d = DIM, heads = 2, f = 16;
        ModelConfig c = new ModelConfig("llama", d, f, 1, heads, heads, d / heads, vocab, 16384, 1e-5, 10000.0, null,
                false, false, 0, 1, eos);
        float[] embed = new float[vocab * d];
        for (int t = 0; t < vocab; t++) embed[t * d] = 1;
        float[] head = new float[vocab * d];
        for (int i = 0; i < reply.length; i++) {
            embed[reply[i] * d] = 0;
            embed[reply[i] * d + i + 1] = 1;
            head[reply[i] * d + i] = 10;
        }
        head[eos * d + reply.length] = 10;
        List<DecoderWeights.Layer> layers = new ArrayList<>();
        layers.add(new DecoderWeights.Layer(ones(d), new float[d * d], null, new float[d * d], null, new float[d * d], null,
                new float[d * d], ones(d), new float[f * d], new float[f * d], new float[d * f]));
        return new DecoderWeights(c, embed, layers, ones(d), head);
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }
}
