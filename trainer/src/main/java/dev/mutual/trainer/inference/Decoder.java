package dev.mutual.trainer.inference;

import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.HalfMatrix;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.ops.Softmax;

import java.util.List;

/**
 * The decoder forward pass for inference (LLaMA / Mistral / Qwen2), plain Java over {@link DecoderWeights}.
 * It mirrors transformers' {@code LlamaModel.forward}: embed, then per layer
 * {@code x += o_proj(attn(rope(q), rope(k), v))} on the RMS-normed input and {@code x += down(silu(gate) * up)} on the
 * RMS-normed result, a final RMSNorm and the LM head.
 *
 * <p>Several sequences are packed row after row (no padding): the projections run as one matrix product over all
 * rows, attention runs per sequence against its {@link KvCache}. Row results do not depend on what else is packed.
 *
 * <p>Why plain Java (measured, BENCHMARKS.md "Inference"): a stories260K token takes ~100 us here, less than the
 * per-op overhead of a SameDiff graph for one layer; on the scoring benchmark's LM head the panel-packed Vector API
 * kernel (77-80 GFLOP/s per core with its 6 x 2 register block) beats ND4J's OpenBLAS gemm (47-60 per core, before
 * the copy back to a Java array).
 * {@code vectorized=false} selects the scalar reference kernels, which the tests compare against.
 *
 * <p>Thread-safety: forward calls mutate the caches passed in; one Decoder may serve calls from one thread at a time.
 */
public final class Decoder implements AutoCloseable {
    /** Below this many multiply-adds a matrix product stays on the calling thread. */
    private static final long PARALLEL_MIN_MACS = 1 << 18;

    private final ModelConfig c;
    private final DecoderWeights w;
    private final boolean vectorized;
    /** The caller plus threads - 1 persistent helpers; null with one thread. */
    private final WorkerTeam team;
    private final float[] invFreq;
    // Panel-packed copies for the vector kernels (Kernels.pack; null on the scalar path).
    private final float[][] qT, kT, vT, oT, gateT, upT, downT;
    private final float[] headT;
    // Matrices kept in 16 bits (DecoderWeights.half, already packed): [layer][Q..DOWN], null where fp32.
    private final HalfMatrix[][] halfL;
    private final HalfMatrix embedH, headH;
    private static final int Q = 0, K = 1, V = 2, O = 3, GATE = 4, UP = 5, DOWN = 6;
    private static final List<String> NAMES = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
            "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");

    /**
     * @param weights    the model; not copied, not modified
     * @param vectorized Vector API kernels (packed weight copies, ~2x memory; none for matrices kept in 16 bits, which
     *                   are packed already) or the scalar reference
     * @param threads    threads for the matrix products (1 = the calling thread only)
     */
    public Decoder(DecoderWeights weights, boolean vectorized, int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.w = weights;
        this.c = weights.config();
        this.vectorized = vectorized;
        this.team = threads > 1 ? new WorkerTeam(threads) : null;
        this.invFreq = RoPE.inverseFrequencies(c);
        int n = c.numLayers(), d = c.hiddenSize(), q = c.numHeads() * c.headDim(), kv = c.numKvHeads() * c.headDim(), f = c.intermediateSize();
        this.halfL = new HalfMatrix[n][NAMES.size()];
        for (int l = 0; l < n; l++) {
            for (int i = 0; i < NAMES.size(); i++) halfL[l][i] = w.half("model.layers." + l + "." + NAMES.get(i) + ".weight");
        }
        this.embedH = w.half("model.embed_tokens.weight");
        this.headH = w.half("lm_head.weight");
        if (vectorized && !w.half().isEmpty() && !HalfKernels.VECTOR) {
            throw new IllegalStateException("weights kept in 16 bits need 256-bit vectors for the vector kernels (this JVM prefers "
                    + Kernels.S + "); widen them to fp32 or use the scalar kernels");
        }
        if (vectorized) {
            qT = new float[n][]; kT = new float[n][]; vT = new float[n][]; oT = new float[n][];
            gateT = new float[n][]; upT = new float[n][]; downT = new float[n][];
            for (int l = 0; l < n; l++) {
                DecoderWeights.Layer L = w.layers().get(l);
                qT[l] = packOrNull(L.qProj(), q, d);
                kT[l] = packOrNull(L.kProj(), kv, d);
                vT[l] = packOrNull(L.vProj(), kv, d);
                oT[l] = packOrNull(L.oProj(), d, q);
                gateT[l] = packOrNull(L.gateProj(), f, d);
                upT[l] = packOrNull(L.upProj(), f, d);
                downT[l] = packOrNull(L.downProj(), d, f);
            }
            headT = packOrNull(w.lmHead(), c.vocabSize(), d);
        } else {
            qT = kT = vT = oT = gateT = upT = downT = null;
            headT = null;
        }
    }

    /** The packed copy of an fp32 matrix; null for one kept in 16 bits (its array is null). */
    private static float[] packOrNull(float[] w, int n, int k) {
        return w == null ? null : Kernels.pack(w, n, k);
    }

    public ModelConfig config() {
        return c;
    }

    public DecoderWeights weights() {
        return w;
    }

    /** A new, empty cache for one sequence; with a sliding window it never holds more than the window (a ring). */
    public KvCache newCache(int expectedLength) {
        return new KvCache(c, Math.min(expectedLength, Math.max(1, c.maxPositions())));
    }

    /** Tokens to append to one sequence: they sit at positions cache.length() .. cache.length() + tokens.length - 1. */
    public record Chunk(int[] tokens, KvCache cache) {
        public Chunk {
            if (tokens.length == 0) throw new IllegalArgumentException("a chunk needs at least one token");
        }
    }

    /**
     * Runs the chunks (packed) through the decoder and appends their keys/values to their caches.
     *
     * @return the final-normed hidden states [sum of chunk lengths, hidden], rows in chunk order
     */
    public float[] forward(List<Chunk> chunks) {
        int d = c.hiddenSize(), hd = c.headDim(), qDim = c.numHeads() * hd, kvDim = c.numKvHeads() * hd, f = c.intermediateSize();
        int rows = 0;
        for (Chunk ch : chunks) rows += ch.tokens().length;
        int[] positions = new int[rows];
        float[] x = new float[rows * d];
        int r = 0;
        for (Chunk ch : chunks) {
            int start = ch.cache().length();
            ch.cache().ensureCapacity(start + ch.tokens().length);
            for (int i = 0; i < ch.tokens().length; i++, r++) {
                int t = ch.tokens()[i];
                if (t < 0 || t >= c.vocabSize()) throw new IllegalArgumentException("token id " + t + " outside vocabulary 0.." + (c.vocabSize() - 1));
                positions[r] = start + i;
                if (embedH != null) embedH.widenRow(t, x, r * d);
                else System.arraycopy(w.embedTokens(), t * d, x, r * d, d);
            }
        }
        float[][] cosSin = RoPE.table(positions, invFreq);
        float[] xb = new float[rows * d], q = new float[rows * qDim], k = new float[rows * kvDim], v = new float[rows * kvDim];
        float[] att = new float[rows * qDim], g = new float[rows * f], u = new float[rows * f], tmp = new float[rows * d];
        for (int l = 0; l < c.numLayers(); l++) {
            DecoderWeights.Layer L = w.layers().get(l);
            HalfMatrix[] H = halfL[l];
            // attention block: x += o_proj(attention(rmsnorm(x)))
            Kernels.rmsNorm(xb, x, L.inputNorm(), rows, d, c.rmsNormEps());
            // q, k and v in one parallel region (one hand-off to the threads instead of three)
            matmuls(rows, d, new Product(q, L.qProj(), vectorized ? qT[l] : null, H[Q], L.qBias(), qDim),
                    new Product(k, L.kProj(), vectorized ? kT[l] : null, H[K], L.kBias(), kvDim),
                    new Product(v, L.vProj(), vectorized ? vT[l] : null, H[V], L.vBias(), kvDim), xb);
            RoPE.apply(q, rows, c.numHeads(), hd, cosSin);
            RoPE.apply(k, rows, c.numKvHeads(), hd, cosSin);
            int row0 = 0;
            List<int[]> work = new java.util.ArrayList<>(); // {chunk, first row, row from, row to}
            for (int ci = 0; ci < chunks.size(); ci++) {
                int n = chunks.get(ci).tokens().length;
                for (int i = 0; i < n; i += 32) work.add(new int[] {ci, row0, i, Math.min(n, i + 32)});
                row0 += n;
            }
            int layer = l;
            parallel(work.size(), rows > 1 && work.size() > 1, j -> {
                int[] wk = work.get(j);
                Attention.forward(att, q, k, v, wk[1], wk[2], wk[3], chunks.get(wk[0]).cache(), layer, c, vectorized);
            });
            // only now: a ring cache (sliding window) may overwrite positions that rows of this chunk still read above
            row0 = 0;
            for (Chunk ch : chunks) {
                ch.cache().store(l, k, v, row0, ch.tokens().length);
                row0 += ch.tokens().length;
            }
            matmul(tmp, att, rows, L.oProj(), vectorized ? oT[l] : null, H[O], null, d, qDim);
            for (int i = 0; i < rows * d; i++) x[i] += tmp[i];
            // MLP block: x += down(silu(gate(h)) * up(h)), h = rmsnorm(x)
            Kernels.rmsNorm(xb, x, L.postNorm(), rows, d, c.rmsNormEps());
            matmuls(rows, d, new Product(g, L.gateProj(), vectorized ? gateT[l] : null, H[GATE], null, f),
                    new Product(u, L.upProj(), vectorized ? upT[l] : null, H[UP], null, f), null, xb);
            Kernels.swiglu(g, u, rows * f, vectorized);
            matmul(tmp, g, rows, L.downProj(), vectorized ? downT[l] : null, H[DOWN], null, d, f);
            for (int i = 0; i < rows * d; i++) x[i] += tmp[i];
        }
        for (Chunk ch : chunks) ch.cache().advance(ch.tokens().length);
        Kernels.rmsNorm(xb, x, w.norm(), rows, d, c.rmsNormEps());
        return xb;
    }

    /** Logits [rows, vocab] of hidden rows {@code row0 .. row0 + rows - 1} (from {@link #forward}). */
    public float[] logits(float[] hidden, int row0, int rows) {
        int d = c.hiddenSize();
        // Zero rows pad to a whole register block so that every row takes the 6-row block: the one-row path is
        // several times slower per row. Padding changes no value (each element is computed the same way in both).
        int padded = rows >= 4 && vectorized ? blockRows(rows) : rows;
        float[] x = new float[padded * d];
        System.arraycopy(hidden, row0 * d, x, 0, rows * d);
        float[] out = new float[padded * c.vocabSize()];
        matmul(out, x, padded, w.lmHead(), headT, headH, null, c.vocabSize(), d);
        return padded == rows ? out : java.util.Arrays.copyOf(out, rows * c.vocabSize());
    }

    /** Hidden rows per pass of {@link #targetLogprobs}: 96 x 256 floats of input stay in L2 beside a tile. */
    private static final int HEAD_ROWS = 16 * Kernels.BLOCK_ROWS;
    /** LM-head columns per tile of {@link #targetLogprobs}: a [96, 512] tile is 192 KB, in L2 while it is reduced. */
    private static final int HEAD_TILE = 512;

    /**
     * log softmax(lm_head(hidden[rows[i]]))[targets[i]] for each i: the scoring hot path, 80 % of its FLOPs.
     *
     * <p>Vector path: the LM head runs over up to 96 rows at a time in tiles of 512 vocabulary columns, spread over
     * the threads; each tile's log-sum-exp per row is taken while the tile is in cache, and the tiles' values are
     * combined as logZ = M + log(sum_t exp(lse_t - M)), M = max_t lse_t (both {@link Softmax#logSumExp}). So no [rows, vocab] logits array is ever
     * written. Tiles are fixed column ranges, so a row's value does not depend on the other rows. Scalar path: the
     * full logits row and {@link Softmax#logSumExpScalar}, the reference the vector path is tested against.
     */
    public double[] targetLogprobs(float[] hidden, int[] rows, int[] targets) {
        if (rows.length != targets.length) throw new IllegalArgumentException(rows.length + " rows but " + targets.length + " targets");
        int d = c.hiddenSize(), vocab = c.vocabSize();
        double[] out = new double[rows.length];
        for (int t : targets) {
            if (t < 0 || t >= vocab) throw new IllegalArgumentException("target id " + t + " outside vocabulary 0.." + (vocab - 1));
        }
        if (!vectorized) {
            for (int i = 0; i < rows.length; i++) {
                float[] logits = logits(hidden, rows[i], 1);
                out[i] = logits[targets[i]] - Softmax.logSumExpScalar(logits, 0, vocab);
            }
            return out;
        }
        int tiles = (vocab + HEAD_TILE - 1) / HEAD_TILE;
        int workers = team == null ? 1 : team.size();
        float[][] tileBuffers = new float[workers][HEAD_ROWS * HEAD_TILE];
        for (int i0 = 0; i0 < rows.length; i0 += HEAD_ROWS) {
            int n = Math.min(HEAD_ROWS, rows.length - i0), padded = blockRows(n);
            float[] x = new float[padded * d];
            for (int i = 0; i < n; i++) System.arraycopy(hidden, rows[i0 + i] * d, x, i * d, d);
            double[] lse = new double[n * tiles];
            float[] targetLogit = new float[n];
            int first = i0;
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            parallel(workers, workers > 1, worker -> {
                float[] tile = tileBuffers[worker];
                for (int t = next.getAndIncrement(); t < tiles; t = next.getAndIncrement()) {
                    int n0 = t * HEAD_TILE, n1 = Math.min(vocab, n0 + HEAD_TILE);
                    if (headH != null) HalfKernels.matmulVector(tile, HEAD_TILE, n0, x, padded, headH, null, n0, n1, d);
                    else Kernels.matmulVector(tile, HEAD_TILE, n0, x, padded, headT, null, n0, n1, d);
                    for (int r = 0; r < n; r++) {
                        lse[r * tiles + t] = Softmax.logSumExp(tile, r * HEAD_TILE, n1 - n0);
                        int target = targets[first + r];
                        if (target >= n0 && target < n1) targetLogit[r] = tile[r * HEAD_TILE + target - n0];
                    }
                }
            });
            for (int r = 0; r < n; r++) out[i0 + r] = targetLogit[r] - Softmax.logSumExp(lse, r * tiles, tiles);
        }
        return out;
    }

    /** rows rounded up to a whole number of the vector kernel's register blocks. */
    private static int blockRows(int rows) {
        return (rows + Kernels.BLOCK_ROWS - 1) / Kernels.BLOCK_ROWS * Kernels.BLOCK_ROWS;
    }

    /**
     * Runs task(0..n-1) on this decoder's threads when it has several and {@code worthIt}, else on the calling thread;
     * each index must touch its own data (the generator's per-row draws).
     */
    public void forEach(int n, boolean worthIt, java.util.function.IntConsumer task) {
        parallel(n, worthIt, task);
    }

    /** Runs task(0..n-1), on the team when there is one and {@code worthIt}; each index must touch its own data. */
    private void parallel(int n, boolean worthIt, java.util.function.IntConsumer task) {
        if (team == null || !worthIt) {
            for (int i = 0; i < n; i++) task.accept(i);
        } else {
            team.run(n, task);
        }
    }

    /** One matrix product of {@link #matmuls}: out[rows, n] = x . W^T (+ bias), W as HF [n, k] and packed. */
    private record Product(float[] out, float[] wHf, float[] wT, HalfMatrix wH, float[] bias, int n) {}

    /** Parts per thread of a parallel matrix product: several, so that a thread that got less CPU does fewer. */
    private static final int PARTS_PER_THREAD = 8;

    /** out[rows, n] = x[rows, k] . W^T (+ bias), split over column blocks when large enough to pay for threads. */
    private void matmul(float[] out, float[] x, int rows, float[] wHf, float[] wT, HalfMatrix wH, float[] bias, int n, int k) {
        matmuls(rows, k, new Product(out, wHf, wT, wH, bias, n), null, null, x);
    }

    /**
     * Up to three products of the same input (q, k, v; gate, up) as one parallel region: the columns of all of them
     * are cut into panel-aligned parts that the threads share, so the threads meet once per region, not per product.
     * Each element is computed as by a product alone (columns are independent), whatever the split.
     */
    private void matmuls(int rows, int k, Product a, Product b, Product c, float[] x) {
        Product[] ps = b == null ? new Product[] {a} : c == null ? new Product[] {a, b} : new Product[] {a, b, c};
        long columns = 0;
        for (Product p : ps) columns += p.n();
        if (team == null || rows * columns * k < PARALLEL_MIN_MACS) {
            for (Product p : ps) run(p.out(), x, rows, p.wHf(), p.wT(), p.wH(), p.bias(), 0, p.n(), p.n(), k);
            return;
        }
        long target = (columns + (long) team.size() * PARTS_PER_THREAD - 1) / ((long) team.size() * PARTS_PER_THREAD);
        int step = (int) Math.max(Kernels.PANEL, (target + Kernels.PANEL - 1) / Kernels.PANEL * Kernels.PANEL); // vector kernels start on a panel
        int[] first = new int[ps.length + 1]; // part index where each product starts
        for (int i = 0; i < ps.length; i++) first[i + 1] = first[i] + (ps[i].n() + step - 1) / step;
        team.run(first[ps.length], part -> {
            int i = 0;
            while (part >= first[i + 1]) i++;
            Product p = ps[i];
            int n0 = (part - first[i]) * step;
            run(p.out(), x, rows, p.wHf(), p.wT(), p.wH(), p.bias(), n0, Math.min(p.n(), n0 + step), p.n(), k);
        });
    }

    /** One column range of a product: over the 16-bit matrix wH when there is one, else over wT (vector) or wHf (scalar). */
    private void run(float[] out, float[] x, int rows, float[] wHf, float[] wT, HalfMatrix wH, float[] bias, int n0, int n1, int n, int k) {
        if (wH != null) {
            if (vectorized) HalfKernels.matmulVector(out, n, 0, x, rows, wH, bias, n0, n1, k);
            else HalfKernels.matmulScalar(out, x, rows, wH, bias, n0, n1, n, k);
        } else if (vectorized) Kernels.matmulVector(out, x, rows, wT, bias, n0, n1, n, k);
        else Kernels.matmulScalar(out, x, rows, wHf, bias, n0, n1, n, k);
    }

    @Override
    public void close() {
        if (team != null) team.close();
    }
}
