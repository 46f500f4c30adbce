package dev.mutual.trainer.inference;

import dev.mutual.trainer.ops.Exp;
import dev.mutual.trainer.ops.RmsNorm;
import dev.mutual.trainer.ops.SwiGluGate;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The numeric kernels of the inference path, each twice: a plain scalar loop (the reference, HF {@code [out, in]}
 * weight layout) and a Vector API version (weights packed into column panels, see {@link #pack}, so that each step is a
 * broadcast of one input value times a contiguous run of outputs, with no horizontal reductions). Both compute every output
 * element by the same sequence of operations whatever the number of rows, so results do not depend on batching.
 */
final class Kernels {
    /**
     * 256-bit vectors (8 floats), or the preferred ones where narrower: {@link Exp#SPECIES}. Not 512: with AVX-512
     * (UseAVX=3) JDK 17 ran these kernels ~5x slower per CPU second than at 256 bits (bench pairs, 1 thread: 13.3
     * against 2.7 CPU s; BENCHMARKS.md "MAIN"), and the 6 x 2 register block is shaped for 256-bit registers.
     */
    static final VectorSpecies<Float> S = Exp.SPECIES;
    static final int L = S.length();

    private Kernels() {}

    /** out[m, n] = sum_k x[m, k] * w[n, k] (+ bias[n]) for m < rows, n in [n0, n1); w is [N, K] (HF layout). */
    static void matmulScalar(float[] out, float[] x, int rows, float[] w, float[] bias, int n0, int n1, int nTotal, int k) {
        for (int m = 0; m < rows; m++) {
            for (int n = n0; n < n1; n++) {
                float acc = 0f;
                int xo = m * k, wo = n * k;
                for (int i = 0; i < k; i++) acc += x[xo + i] * w[wo + i];
                out[m * nTotal + n] = bias == null ? acc : acc + bias[n];
            }
        }
    }

    /** Columns per packed panel: two vectors. */
    static final int PANEL = 2 * L;

    /**
     * Packs an HF [n, k] weight into column panels for {@link #matmulVector}: panel p holds columns
     * p*PANEL .. p*PANEL+PANEL-1 as a contiguous [k, PANEL] block (zero-padded past n). Contiguous panels keep one
     * panel in L1/L2 and one TLB page per few k steps, where a plain [k, n] transpose strides n floats per step.
     */
    static float[] pack(float[] w, int n, int k) {
        int panels = (n + PANEL - 1) / PANEL;
        float[] p = new float[panels * k * PANEL];
        for (int col = 0; col < n; col++) {
            int base = (col / PANEL) * k * PANEL + col % PANEL;
            for (int i = 0; i < k; i++) p[base + i * PANEL] = w[col * k + i];
        }
        return p;
    }

    /**
     * out[m, n] = sum_k x[m, k] * w[n, k] (+ bias[n]) for m < rows and n in [n0, n1), n0 a multiple of PANEL;
     * {@code packed} comes from {@link #pack}.
     */
    static void matmulVector(float[] out, float[] x, int rows, float[] packed, float[] bias, int n0, int n1, int nTotal, int k) {
        matmulVector(out, nTotal, 0, x, rows, packed, bias, n0, n1, k);
    }

    /** Rows per register block of {@link #matmulVector}. */
    static final int BLOCK_ROWS = 6;

    /**
     * As above, element (m, n) stored at out[m * ldo + n - col0], so a caller can compute a tile of columns into a
     * small buffer. Register block: 6 rows x 2 vectors, 12 accumulators + 2 weight vectors + 1 broadcast = 15 of the
     * 16 AVX2 registers (the classic Haswell sgemm shape; 77 GFLOP/s per core here against 69 for 4 x 2, BENCHMARKS.md).
     * Each step is one broadcast input times a contiguous run of outputs (no horizontal sums). Leftover rows go one
     * at a time with the same per-element operations, so an element's value does not depend on the rows around it.
     */
    static void matmulVector(float[] out, int ldo, int col0, float[] x, int rows, float[] packed, float[] bias, int n0, int n1, int k) {
        // 96-row blocks: a block of x (96 KB at k = 256) stays in L2 while every panel passes over it, where all rows of a
        // long packed batch (2 MB for 8 x 256 tokens) would stream from L3 once per panel
        for (int m0 = 0; m0 < rows; m0 += ROW_BLOCK) {
            int m1 = Math.min(rows, m0 + ROW_BLOCK);
            for (int n = n0; n < n1; n += PANEL) {
                int base = (n / PANEL) * k * PANEL, o = n - col0;
                // masks only for a last, partial panel: building them every panel cost ~40 % of the kernel's speed (JDK 17)
                VectorMask<Float> mask0 = null, mask1 = null;
                if (n + PANEL > n1) {
                    mask0 = S.indexInRange(n, n1);
                    mask1 = S.indexInRange(n + L, n1);
                }
                int m = m0;
                for (; m + BLOCK_ROWS <= m1; m += BLOCK_ROWS) block6(out, m * ldo + o, ldo, x, m * k, k, packed, base, bias, n, mask0, mask1);
                for (; m < m1; m++) row1(out, m * ldo + o, x, m * k, k, packed, base, bias, n, mask0, mask1);
            }
        }
    }

    /** Rows per cache block of {@link #matmulVector}, a multiple of BLOCK_ROWS. */
    private static final int ROW_BLOCK = 16 * BLOCK_ROWS;

    /*
     * The register blocks are methods of their own: compiled inside the panel loop, the 6-row block ran at ~47 GFLOP/s
     * in the decoder (where the one-row loop is also hot) against ~80 alone (C2 allocates registers for both loops).
     */

    /** One 6-row x PANEL block: rows at x[x0 ..] (stride k), outputs at out[o ..] (stride ldo). */
    static void block6(float[] out, int o, int ldo, float[] x, int x0, int k, float[] packed, int base, float[] bias, int n,
                               VectorMask<Float> mask0, VectorMask<Float> mask1) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), b0 = FloatVector.zero(S), b1 = FloatVector.zero(S);
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), d0 = FloatVector.zero(S), d1 = FloatVector.zero(S);
        FloatVector e0 = FloatVector.zero(S), e1 = FloatVector.zero(S), f0 = FloatVector.zero(S), f1 = FloatVector.zero(S);
        int x1 = x0 + k, x2 = x1 + k, x3 = x2 + k, x4 = x3 + k, x5 = x4 + k;
        for (int i = 0, wo = base; i < k; i++, wo += PANEL) {
            FloatVector w0 = FloatVector.fromArray(S, packed, wo), w1 = FloatVector.fromArray(S, packed, wo + L);
            FloatVector v = FloatVector.broadcast(S, x[x0 + i]);
            a0 = w0.fma(v, a0); a1 = w1.fma(v, a1);
            v = FloatVector.broadcast(S, x[x1 + i]);
            b0 = w0.fma(v, b0); b1 = w1.fma(v, b1);
            v = FloatVector.broadcast(S, x[x2 + i]);
            c0 = w0.fma(v, c0); c1 = w1.fma(v, c1);
            v = FloatVector.broadcast(S, x[x3 + i]);
            d0 = w0.fma(v, d0); d1 = w1.fma(v, d1);
            v = FloatVector.broadcast(S, x[x4 + i]);
            e0 = w0.fma(v, e0); e1 = w1.fma(v, e1);
            v = FloatVector.broadcast(S, x[x5 + i]);
            f0 = w0.fma(v, f0); f1 = w1.fma(v, f1);
        }
        store(out, o, a0, a1, bias, n, mask0, mask1);
        store(out, o + ldo, b0, b1, bias, n, mask0, mask1);
        store(out, o + 2 * ldo, c0, c1, bias, n, mask0, mask1);
        store(out, o + 3 * ldo, d0, d1, bias, n, mask0, mask1);
        store(out, o + 4 * ldo, e0, e1, bias, n, mask0, mask1);
        store(out, o + 5 * ldo, f0, f1, bias, n, mask0, mask1);
    }

    /** One row x PANEL, the same operations per element as {@link #block6}. */
    static void row1(float[] out, int o, float[] x, int x0, int k, float[] packed, int base, float[] bias, int n,
                             VectorMask<Float> mask0, VectorMask<Float> mask1) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        for (int i = 0, wo = base; i < k; i++, wo += PANEL) {
            FloatVector v = FloatVector.broadcast(S, x[x0 + i]);
            a0 = FloatVector.fromArray(S, packed, wo).fma(v, a0);
            a1 = FloatVector.fromArray(S, packed, wo + L).fma(v, a1);
        }
        store(out, o, a0, a1, bias, n, mask0, mask1);
    }

    /** Stores two accumulators (+ bias) at out[o ..]: whole when the masks are null, else the masked lanes. */
    static void store(float[] out, int o, FloatVector v0, FloatVector v1, float[] bias, int n,
                              VectorMask<Float> mask0, VectorMask<Float> mask1) {
        if (mask0 == null) {
            if (bias != null) {
                v0 = v0.add(FloatVector.fromArray(S, bias, n));
                v1 = v1.add(FloatVector.fromArray(S, bias, n + L));
            }
            v0.intoArray(out, o);
            v1.intoArray(out, o + L);
            return;
        }
        // last, partial panel
        if (bias != null) {
            v0 = v0.add(FloatVector.fromArray(S, bias, n, mask0));
            v1 = v1.add(FloatVector.fromArray(S, bias, n + L, mask1));
        }
        v0.intoArray(out, o, mask0);
        v1.intoArray(out, o + L, mask1);
    }

    /** g[i] = silu(g[i]) * u[i] = g / (1 + exp(-g)) * u, the SwiGLU gate. */
    static void swiglu(float[] g, float[] u, int n, boolean vector) {
        int i = 0;
        if (vector) {
            FloatVector one = FloatVector.broadcast(S, 1f);
            for (; i + L <= n; i += L) {
                FloatVector x = FloatVector.fromArray(S, g, i);
                x.div(one.add(Exp.exp(x.neg()))).mul(FloatVector.fromArray(S, u, i)).intoArray(g, i);
            }
        }
        for (; i < n; i++) g[i] = SwiGluGate.forward(g[i], u[i]);
    }

    /** sum_i a[ao + i] * b[bo + i]. */
    static float dot(float[] a, int ao, float[] b, int bo, int n, boolean vector) {
        int i = 0;
        float acc = 0f;
        if (vector && n >= L) {
            FloatVector s = FloatVector.zero(S);
            for (; i + L <= n; i += L) s = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), s);
            acc = s.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) acc += a[ao + i] * b[bo + i];
        return acc;
    }

    /**
     * Attention scores of one query against a run of keys: s[j] = dot(q[qo ..], keys[ko + (j - j0) * stride ..]) * scale
     * for j in [j0, j1), each key hd floats, the dot as {@link #dot}. Returns the largest of them and {@code max}.
     */
    static float dots(float[] s, int j0, int j1, float[] q, int qo, float[] keys, int ko, int stride, int hd, float scale,
                      float max, boolean vector) {
        int j = j0;
        if (vector && hd >= L) {
            // four keys at a time: each query vector loaded once for four keys; per key the operations of dot()
            for (; j + 4 <= j1; j += 4, ko += 4 * stride) {
                FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
                int d = 0;
                for (; d + L <= hd; d += L) {
                    FloatVector qv = FloatVector.fromArray(S, q, qo + d);
                    s0 = qv.fma(FloatVector.fromArray(S, keys, ko + d), s0);
                    s1 = qv.fma(FloatVector.fromArray(S, keys, ko + stride + d), s1);
                    s2 = qv.fma(FloatVector.fromArray(S, keys, ko + 2 * stride + d), s2);
                    s3 = qv.fma(FloatVector.fromArray(S, keys, ko + 3 * stride + d), s3);
                }
                float r0 = s0.reduceLanes(VectorOperators.ADD), r1 = s1.reduceLanes(VectorOperators.ADD);
                float r2 = s2.reduceLanes(VectorOperators.ADD), r3 = s3.reduceLanes(VectorOperators.ADD);
                for (; d < hd; d++) {
                    float qd = q[qo + d];
                    r0 += qd * keys[ko + d];
                    r1 += qd * keys[ko + stride + d];
                    r2 += qd * keys[ko + 2 * stride + d];
                    r3 += qd * keys[ko + 3 * stride + d];
                }
                s[j] = r0 * scale;
                s[j + 1] = r1 * scale;
                s[j + 2] = r2 * scale;
                s[j + 3] = r3 * scale;
                max = Math.max(max, Math.max(Math.max(s[j], s[j + 1]), Math.max(s[j + 2], s[j + 3])));
            }
        }
        for (; j < j1; j++, ko += stride) {
            float v = dot(q, qo, keys, ko, hd, vector) * scale;
            s[j] = v;
            if (v > max) max = v;
        }
        return max;
    }

    /**
     * out[oo + d] += sum over j in [j0, j1) of p[j] * values[vo + (j - j0) * stride + d], d < hd, in ascending j: per
     * element the same fused multiply-adds as {@link #axpy} per row, but the output stays in registers across the
     * rows (4 vectors at a time) instead of a load and store per row.
     */
    static void weightedSum(float[] out, int oo, float[] p, int j0, int j1, float[] values, int vo, int stride, int hd, boolean vector) {
        int d = 0;
        if (vector) {
            for (; d + 4 * L <= hd; d += 4 * L) {
                FloatVector a0 = FloatVector.fromArray(S, out, oo + d), a1 = FloatVector.fromArray(S, out, oo + d + L);
                FloatVector a2 = FloatVector.fromArray(S, out, oo + d + 2 * L), a3 = FloatVector.fromArray(S, out, oo + d + 3 * L);
                for (int j = j0, o = vo + d; j < j1; j++, o += stride) {
                    FloatVector w = FloatVector.broadcast(S, p[j]);
                    a0 = FloatVector.fromArray(S, values, o).fma(w, a0);
                    a1 = FloatVector.fromArray(S, values, o + L).fma(w, a1);
                    a2 = FloatVector.fromArray(S, values, o + 2 * L).fma(w, a2);
                    a3 = FloatVector.fromArray(S, values, o + 3 * L).fma(w, a3);
                }
                a0.intoArray(out, oo + d);
                a1.intoArray(out, oo + d + L);
                a2.intoArray(out, oo + d + 2 * L);
                a3.intoArray(out, oo + d + 3 * L);
            }
            for (; d + L <= hd; d += L) {
                FloatVector a = FloatVector.fromArray(S, out, oo + d);
                for (int j = j0, o = vo + d; j < j1; j++, o += stride) a = FloatVector.fromArray(S, values, o).fma(FloatVector.broadcast(S, p[j]), a);
                a.intoArray(out, oo + d);
            }
        }
        for (; d < hd; d++) {
            float a = out[oo + d];
            for (int j = j0, o = vo + d; j < j1; j++, o += stride) a += p[j] * values[o];
            out[oo + d] = a;
        }
    }

    /** y[yo + i] += s * x[xo + i]. */
    static void axpy(float[] y, int yo, float s, float[] x, int xo, int n, boolean vector) {
        int i = 0;
        if (vector) {
            FloatVector sv = FloatVector.broadcast(S, s);
            for (; i + L <= n; i += L) {
                FloatVector.fromArray(S, x, xo + i).fma(sv, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) y[yo + i] += s * x[xo + i];
    }

    /** HF LlamaRMSNorm over each row ({@link RmsNorm#forward(float[], int, float[], int, float[], int, double)}). */
    static void rmsNorm(float[] out, float[] x, float[] weight, int rows, int d, double eps) {
        for (int r = 0; r < rows; r++) RmsNorm.forward(out, r * d, x, r * d, weight, d, eps);
    }
}
