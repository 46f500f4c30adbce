package dev.mutual.trainer.inference;

import dev.mutual.trainer.model.HalfFormat;
import dev.mutual.trainer.model.HalfMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matrix products of {@link Kernels} over weights kept in 16 bits ({@link HalfMatrix}, packed into panels of
 * {@link HalfMatrix#PANEL}): the weights are widened to fp32 as they are loaded, in registers (vector path: 8 shorts
 * loaded, sign-extended to 8 ints, then bf16 shifted left 16, f16 rebiased with {@link #widen}) or one at a time
 * ({@link HalfFormat#widen}, scalar path). Widening is exact, and every output element then takes the same fused
 * multiply-adds (vector) or multiply-then-adds (scalar) in the same order as the fp32 kernels over the widened matrix,
 * so both paths give bit-identical results to widening the checkpoint up front ({@code HalfWeightsTest}).
 */
final class HalfKernels {
    /** The vector path needs 256-bit float vectors (8 lanes) and panels of two of them. */
    static final boolean VECTOR = Kernels.L == 8 && Kernels.PANEL == HalfMatrix.PANEL;
    private static final VectorSpecies<Short> SS = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> IS = IntVector.SPECIES_256;
    private static final int L = 8, PANEL = HalfMatrix.PANEL;

    private HalfKernels() {}

    /**
     * The 8 floats of a[off .. off + 8): bf16 is bits << 16. f16 (sign-extended to int i): (i << 13) & 0x8fffffff puts
     * sign, exponent and mantissa in place (the exponent still biased 15), times 2^112 rebiases it to 127 (exact, and
     * right for subnormals, which become normal floats); infinities and NaNs (exponent 31) are taken as
     * sign | 0x7f800000 | mantissa << 13 instead.
     */
    static FloatVector widen(short[] a, int off, boolean f16) {
        IntVector i = (IntVector) ShortVector.fromArray(SS, a, off).convertShape(VectorOperators.S2I, IS, 0);
        if (!f16) return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        IntVector moved = i.lanewise(VectorOperators.LSHL, 13).and(0x8fffffff);
        IntVector finite = moved.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> special = moved.and(0x0f800000).compare(VectorOperators.EQ, 0x0f800000);
        return finite.blend(moved.or(0x7f800000), special).reinterpretAsFloats();
    }

    /** {@link Kernels#matmulScalar} over a packed 16-bit w: out[m, n] = sum_k x[m, k] * w[n, k] (+ bias[n]). */
    static void matmulScalar(float[] out, float[] x, int rows, HalfMatrix w, float[] bias, int n0, int n1, int nTotal, int k) {
        short[] bits = w.bits();
        HalfFormat f = w.format();
        for (int m = 0; m < rows; m++) {
            for (int n = n0; n < n1; n++) {
                float acc = 0f;
                int xo = m * k, wo = (n / PANEL) * k * PANEL + n % PANEL;
                for (int i = 0; i < k; i++, wo += PANEL) acc += x[xo + i] * f.widen(bits[wo]);
                out[m * nTotal + n] = bias == null ? acc : acc + bias[n];
            }
        }
    }

    /**
     * {@link Kernels#matmulVector(float[], int, int, float[], int, float[], float[], int, int, int)} over a packed 16-bit w.
     * A block of 6 or more rows widens each panel once into a per-thread fp32 buffer ([k, PANEL], 360 KB at k = 5632,
     * in L2) and runs the fp32 register blocks over it: widening inside the 6-row block ran at 2-5 GFLOP/s against
     * 25-45 for fp32 (JDK 17's C2 did not compile it into registers). Single rows (decoding) widen in registers
     * ({@link #row1}), reading 2 bytes per weight instead of 4. Either way each element takes the fp32 kernels' operations.
     */
    static void matmulVector(float[] out, int ldo, int col0, float[] x, int rows, HalfMatrix w, float[] bias, int n0, int n1, int k) {
        if (!VECTOR) throw new IllegalStateException("16-bit vector kernels need 256-bit vectors; this JVM prefers " + Kernels.S);
        short[] packed = w.bits();
        boolean f16 = w.format() == HalfFormat.F16;
        float[] panel = rows >= Kernels.BLOCK_ROWS ? panelBuffer(k) : null;
        for (int m0 = 0; m0 < rows; m0 += ROW_BLOCK) {
            int m1 = Math.min(rows, m0 + ROW_BLOCK);
            for (int n = n0; n < n1; n += PANEL) {
                int base = (n / PANEL) * k * PANEL, o = n - col0;
                VectorMask<Float> mask0 = null, mask1 = null;
                if (n + PANEL > n1) {
                    mask0 = Kernels.S.indexInRange(n, n1);
                    mask1 = Kernels.S.indexInRange(n + L, n1);
                }
                int m = m0;
                if (m1 - m0 >= Kernels.BLOCK_ROWS) {
                    widenPanel(packed, base, k, f16, panel);
                    for (; m + Kernels.BLOCK_ROWS <= m1; m += Kernels.BLOCK_ROWS) {
                        Kernels.block6(out, m * ldo + o, ldo, x, m * k, k, panel, 0, bias, n, mask0, mask1);
                    }
                    for (; m < m1; m++) Kernels.row1(out, m * ldo + o, x, m * k, k, panel, 0, bias, n, mask0, mask1);
                }
                for (; m < m1; m++) row1(out, m * ldo + o, x, m * k, k, packed, f16, base, bias, n, mask0, mask1);
            }
        }
    }

    private static final int ROW_BLOCK = 16 * Kernels.BLOCK_ROWS;
    private static final ThreadLocal<float[]> PANEL_BUFFER = ThreadLocal.withInitial(() -> new float[0]);

    /** This thread's fp32 buffer for one widened panel of k rows. */
    private static float[] panelBuffer(int k) {
        float[] b = PANEL_BUFFER.get();
        if (b.length < k * PANEL) {
            b = new float[k * PANEL];
            PANEL_BUFFER.set(b);
        }
        return b;
    }

    /** Widens the panel at packed[base .. base + k * PANEL) into dst[0 ..]. */
    private static void widenPanel(short[] packed, int base, int k, boolean f16, float[] dst) {
        for (int i = 0, end = k * PANEL; i < end; i += L) widen(packed, base + i, f16).intoArray(dst, i);
    }

    /** Kernels.row1 with the weights widened from 16 bits. */
    private static void row1(float[] out, int o, float[] x, int x0, int k, short[] packed, boolean f16, int base, float[] bias, int n,
                             VectorMask<Float> mask0, VectorMask<Float> mask1) {
        VectorSpecies<Float> S = Kernels.S;
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        for (int i = 0, wo = base; i < k; i++, wo += PANEL) {
            FloatVector v = FloatVector.broadcast(S, x[x0 + i]);
            a0 = widen(packed, wo, f16).fma(v, a0);
            a1 = widen(packed, wo + L, f16).fma(v, a1);
        }
        Kernels.store(out, o, a0, a1, bias, n, mask0, mask1);
    }
}
