package dev.mutual.trainer.checkpoint;

import dev.mutual.data.UserInputException;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Imports a llama2.c legacy (version 0) checkpoint, as written by llama2.c's {@code export.py --version 0} and
 * read by {@code run.c}: seven little-endian int32 {@code dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 * vocab_size, seq_len} (a negative vocab_size means an unshared classifier follows at the end), then fp32
 * token_embedding [V, d], rms_att [L, d], wq [L, d, d], wk [L, kv, d], wv [L, kv, d], wo [L, d, d], rms_ffn [L, d],
 * w1 [L, f, d], w2 [L, d, f], w3 [L, f, d], rms_final [d], freq_cis_real and _imag [seq, hd/2] (unused), wcls [V, d].
 *
 * <p>llama2.c rotates adjacent pairs (2j, 2j+1) of each head by angle pos * theta^(-2j/hd); HF's rotate_half
 * rotates (j, j + hd/2) by the same angle. So within each head, HF row j is llama2.c row 2j and HF row j + hd/2 is
 * llama2.c row 2j+1 (the inverse of transformers' {@code convert_llama_weights_to_hf.permute}). q and k are
 * permuted the same way, so every q.k dot product, hence the model, is unchanged.
 */
public final class Llama2cCheckpoint {
    private Llama2cCheckpoint() {}

    /** Reads {@code file} and returns HF-layout weights (model_type llama, rope_theta 10000, eps 1e-5, BOS 1, EOS 2). */
    public static DecoderWeights read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserInputException(file + ": no such llama2.c checkpoint");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (bytes.length < 28) throw new UserInputException(file + ": " + bytes.length + " bytes is too short for a llama2.c checkpoint (28-byte header expected)");
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int dim = buf.getInt(), hidden = buf.getInt(), layers = buf.getInt(), heads = buf.getInt(), kvHeads = buf.getInt();
        int vocabField = buf.getInt(), seqLen = buf.getInt();
        boolean shared = vocabField > 0;
        int vocab = Math.abs(vocabField);
        String header = "dim=" + dim + ", hidden_dim=" + hidden + ", n_layers=" + layers + ", n_heads=" + heads
                + ", n_kv_heads=" + kvHeads + ", vocab_size=" + vocabField + ", seq_len=" + seqLen;
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0 || seqLen <= 0
                || dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0 || dim > 1 << 16 || hidden > 1 << 18
                || layers > 1024 || vocab > 1 << 22 || seqLen > 1 << 22) {
            throw new UserInputException(file + ": implausible llama2.c header (" + header + "). HINT: only the legacy "
                    + "version-0 format (export.py --version 0) is supported; version 1/2 files start with magic 'ak42'");
        }
        int hd = dim / heads, kvDim = kvHeads * hd;
        long floats = (long) vocab * dim + (long) layers * (2L * dim + 2L * dim * dim + 2L * kvDim * dim + 3L * hidden * dim)
                + dim + (long) seqLen * hd + (shared ? 0 : (long) vocab * dim);
        if (28 + 4 * floats != bytes.length) {
            throw new UserInputException(file + ": header (" + header + ") implies " + (28 + 4 * floats) + " bytes, file has "
                    + bytes.length + " (truncated, or not a legacy llama2.c checkpoint)");
        }
        FloatBuffer f = buf.asFloatBuffer();
        float[] embed = take(f, vocab * dim);
        float[][] rmsAtt = take(f, layers, dim), wq = take(f, layers, dim * dim), wk = take(f, layers, kvDim * dim);
        float[][] wv = take(f, layers, kvDim * dim), wo = take(f, layers, dim * dim), rmsFfn = take(f, layers, dim);
        float[][] w1 = take(f, layers, hidden * dim), w2 = take(f, layers, dim * hidden), w3 = take(f, layers, hidden * dim);
        float[] rmsFinal = take(f, dim);
        f.position(f.position() + seqLen * hd); // freq_cis_real and freq_cis_imag: seq_len * hd/2 each, recomputed instead
        float[] cls = shared ? embed : take(f, vocab * dim);

        ModelConfig config = new ModelConfig("llama", dim, hidden, layers, heads, kvHeads, hd, vocab, seqLen, 1e-5, 10000.0,
                null, shared, false, 0, 1, 2);
        List<DecoderWeights.Layer> ls = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            ls.add(new DecoderWeights.Layer(rmsAtt[l], interleavedToHalves(wq[l], heads, hd, dim), null,
                    interleavedToHalves(wk[l], kvHeads, hd, dim), null, wv[l], null, wo[l], rmsFfn[l], w1[l], w3[l], w2[l]));
        }
        return new DecoderWeights(config, embed, ls, rmsFinal, cls);
    }

    /**
     * Reorders the rows of a q or k projection [heads*hd, in] from llama2.c's interleaved RoPE pairs to HF's
     * rotate_half halves: new row h*hd + p*hd/2 + j = old row h*hd + 2j + p (p in {0, 1}, j < hd/2).
     */
    public static float[] interleavedToHalves(float[] w, int heads, int hd, int in) {
        float[] out = new float[w.length];
        int half = hd / 2;
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < half; j++) {
                for (int p = 0; p < 2; p++) {
                    int from = h * hd + 2 * j + p, to = h * hd + p * half + j;
                    System.arraycopy(w, from * in, out, to * in, in);
                }
            }
        }
        return out;
    }

    private static float[] take(FloatBuffer f, int n) {
        float[] a = new float[n];
        f.get(a);
        return a;
    }

    private static float[][] take(FloatBuffer f, int layers, int n) {
        float[][] a = new float[layers][];
        for (int l = 0; l < layers; l++) a[l] = take(f, n);
        return a;
    }
}
