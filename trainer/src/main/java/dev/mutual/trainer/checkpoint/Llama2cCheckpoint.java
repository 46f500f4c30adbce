package dev.mutual.trainer.checkpoint;

import dev.mutual.data.UserInputException;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.HeapBudget;
import dev.mutual.trainer.model.ModelConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

    /** Header bounds: far above any llama2.c export (Llama 2 7B: dim 4096, 32 layers, vocab 32000, seq_len 4096). */
    private static final int MAX_DIM = 1 << 16, MAX_HIDDEN = 1 << 18, MAX_LAYERS = 1024, MAX_VOCAB = 1 << 22, MAX_SEQ_LEN = 1 << 22;

    /**
     * Reads {@code file} and returns HF-layout weights (model_type llama, rope_theta 10000, eps 1e-5, BOS 1, EOS 2).
     * The file is untrusted: the header is checked field by field, then against the file's length and the heap,
     * before any weight array is allocated; the weights are then read tensor by tensor.
     */
    public static DecoderWeights read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch, file);
        } catch (NoSuchFileException e) {
            throw new UserInputException(file + ": no such llama2.c checkpoint");
        } catch (IOException e) {
            if (Files.isDirectory(file)) throw new UserInputException(file + ": is a directory, not a llama2.c checkpoint");
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static DecoderWeights read(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size < 28) throw new UserInputException(file + ": " + size + " bytes is too short for a llama2.c checkpoint (28-byte header expected)");
        ByteBuffer head = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, head, 0, file);
        head.flip();
        int dim = head.getInt(), hidden = head.getInt(), layers = head.getInt(), heads = head.getInt(), kvHeads = head.getInt();
        int vocabField = head.getInt(), seqLen = head.getInt();
        boolean shared = vocabField > 0;
        int vocab = vocabField == Integer.MIN_VALUE ? 0 : Math.abs(vocabField);
        String header = "dim=" + dim + ", hidden_dim=" + hidden + ", n_layers=" + layers + ", n_heads=" + heads
                + ", n_kv_heads=" + kvHeads + ", vocab_size=" + vocabField + ", seq_len=" + seqLen;
        String problem = field("dim", dim, MAX_DIM);
        if (problem == null) problem = field("hidden_dim", hidden, MAX_HIDDEN);
        if (problem == null) problem = field("n_layers", layers, MAX_LAYERS);
        if (problem == null) problem = field("n_heads", heads, dim);
        if (problem == null) problem = field("n_kv_heads", kvHeads, heads);
        if (problem == null) problem = field("|vocab_size|", vocab, MAX_VOCAB);
        if (problem == null) problem = field("seq_len", seqLen, MAX_SEQ_LEN);
        if (problem == null && dim % heads != 0) problem = "n_heads " + heads + " does not divide dim " + dim;
        if (problem == null && heads % kvHeads != 0) problem = "n_kv_heads " + kvHeads + " does not divide n_heads " + heads;
        if (problem == null && (dim / heads) % 2 != 0) problem = "the head size dim / n_heads = " + dim / heads + " is odd (RoPE needs it even)";
        if (problem != null) {
            throw new UserInputException(file + ": implausible llama2.c header: " + problem + " (" + header + "). HINT: only the legacy "
                    + "version-0 format (export.py --version 0) is supported; version 1/2 files start with magic 'ak42'");
        }
        int hd = dim / heads, kvDim = kvHeads * hd;
        long floats = (long) vocab * dim + (long) layers * (2L * dim + 2L * dim * dim + 2L * kvDim * dim + 3L * hidden * dim)
                + dim + (long) seqLen * hd + (shared ? 0 : (long) vocab * dim);
        if (28 + 4 * floats != size) {
            throw new UserInputException(file + ": header (" + header + ") implies " + (28 + 4 * floats) + " bytes, file has "
                    + size + " (truncated, or not a legacy llama2.c checkpoint)");
        }
        if ((long) vocab * dim > ModelConfig.MAX_TENSOR_VALUES || (long) hidden * dim > ModelConfig.MAX_TENSOR_VALUES) {
            throw new UserInputException(file + ": header (" + header + ") has a weight tensor of more than " + ModelConfig.MAX_TENSOR_VALUES
                    + " values, more than one Java array holds");
        }
        HeapBudget.require(HeapBudget.floatBytes(floats - (long) seqLen * hd), file.toString(), "its " + floats + " fp32 weights");

        Floats f = new Floats(ch, file, 28);
        float[] embed = f.take(vocab * dim);
        float[][] rmsAtt = f.take(layers, dim), wq = f.take(layers, dim * dim), wk = f.take(layers, kvDim * dim);
        float[][] wv = f.take(layers, kvDim * dim), wo = f.take(layers, dim * dim), rmsFfn = f.take(layers, dim);
        float[][] w1 = f.take(layers, hidden * dim), w2 = f.take(layers, dim * hidden), w3 = f.take(layers, hidden * dim);
        float[] rmsFinal = f.take(dim);
        f.skip((long) seqLen * hd); // freq_cis_real and freq_cis_imag: seq_len * hd/2 each, recomputed instead
        float[] cls = shared ? embed : f.take(vocab * dim);

        ModelConfig config;
        try {
            config = new ModelConfig("llama", dim, hidden, layers, heads, kvHeads, hd, vocab, seqLen, 1e-5, 10000.0,
                    null, shared, false, 0, 1, 2);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(file + ": llama2.c header (" + header + "): " + e.getMessage(), e);
        }
        List<DecoderWeights.Layer> ls = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            ls.add(new DecoderWeights.Layer(rmsAtt[l], interleavedToHalves(wq[l], heads, hd, dim), null,
                    interleavedToHalves(wk[l], kvHeads, hd, dim), null, wv[l], null, wo[l], rmsFfn[l], w1[l], w3[l], w2[l]));
        }
        return new DecoderWeights(config, embed, ls, rmsFinal, cls);
    }

    /** Null when {@code 1 <= value <= max}, else what is wrong with the header field. */
    private static String field(String name, int value, int max) {
        return value >= 1 && value <= max ? null : name + " " + value + " is outside 1.." + max;
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

    /** Little-endian fp32 values read in order from a position of the file, a chunk at a time. */
    private static final class Floats {
        private final FileChannel ch;
        private final Path file;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private long pos;

        Floats(FileChannel ch, Path file, long pos) {
            this.ch = ch;
            this.file = file;
            this.pos = pos;
        }

        float[] take(int n) throws IOException {
            float[] a = new float[n];
            for (int done = 0; done < n; ) {
                int k = Math.min(n - done, buf.capacity() / 4);
                buf.clear().limit(4 * k);
                readFully(ch, buf, pos, file);
                pos += 4L * k;
                buf.flip();
                buf.asFloatBuffer().get(a, done, k);
                done += k;
            }
            return a;
        }

        float[][] take(int layers, int n) throws IOException {
            float[][] a = new float[layers][];
            for (int l = 0; l < layers; l++) a[l] = take(n);
            return a;
        }

        void skip(long floats) {
            pos += 4 * floats;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) throw new UserInputException(file + ": unexpected end of file at byte " + pos + " (truncated llama2.c checkpoint?)");
            pos += r;
        }
    }
}
