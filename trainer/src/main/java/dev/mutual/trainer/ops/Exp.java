package dev.mutual.trainer.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one vectorised e^x of the project (softmax and log-sum-exp in inference, the trainer's cross-entropy, both
 * SwiGLU sigmoids), and its scalar twin, which runs the same operations one float at a time (tests compare the two
 * bit for bit and the twin with {@link Math#exp}).
 *
 * <p>exp(x) = 2^n * e^r with n = round(x / ln 2) and |r| <= ln 2 / 2 (Cody-Waite reduction with a split ln 2), e^r by
 * its degree-6 Taylor polynomial (truncation error r^7/7! < 1.3e-7 relative), 2^n built in the exponent bits: within
 * 3 ulp of {@code Math.exp} over the clamped range (ExpTest, CrossEntropyTest). Inputs are clamped to [-87, 88], where
 * float exp neither overflows nor falls into subnormals: e^-200 gives e^-87 (~1.6e-38), nothing next to the max's
 * e^0 = 1 in a softmax sum. Written out because the Vector API's EXP measured 2.7 ns per element here (JDK 17).
 *
 * <p>Each lane is computed from its own input only, so a result never depends on the lanes around it (batch 1 and
 * batch 16 agree). The vector form works at any species: it takes the species of its argument, and once inlined into
 * a kernel that loads with a constant species, C2 compiles it for that width.
 *
 * <p>Every loop that calls it loads with {@link #SPECIES}, so that one JVM only ever passes it one vector class. C2
 * compiles this method with vector intrinsics only where the argument's class is known (inlined, or a monomorphic
 * profile). With two widths in one JVM (the eager cross-entropy at 256 bits beside {@code Swiglu} at the preferred
 * 512, 2026-12-05) it compiled the method on its own with every lane operation boxed, then refused to inline that
 * ("already compiled into a big method"): GBs of vector garbage per run and the heap growing step after step. Which
 * compile comes first depends on timing even at one width, so the launchers also force it inline
 * ({@code -XX:CompileCommand=inline,dev.mutual.trainer.ops.Exp::exp} in bin/mutual, the Surefire argLine and Spark's
 * executor options).
 */
public final class Exp {
    private Exp() {}

    /**
     * The species of every vector loop that calls {@link #exp(FloatVector)} (inference kernels, {@link Softmax}, the
     * eager {@code Swiglu}): 256-bit (8 floats), or the preferred one where narrower. Not 512: JDK 17 ran the inference
     * kernels ~5x slower per CPU second at 512 bits (BENCHMARKS.md "Vector width").
     */
    public static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED.vectorBitSize() > 256
            ? FloatVector.SPECIES_256 : FloatVector.SPECIES_PREFERRED;

    /** Clamp range: e^-87 is a normal float, e^88 below Float.MAX_VALUE. */
    public static final float MIN = -87f, MAX = 88f;
    private static final float LOG2E = 1.44269504f;
    /** ln 2 split: LN2_HI has 12 trailing zero bits, so n * LN2_HI is exact for |n| < 2^12. */
    private static final float LN2_HI = 0.693145752f, LN2_LO = 1.42860677e-6f;
    /** 1.5 * 2^23: adding it rounds a float below 2^22 in magnitude to an integer, held in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    /** The bits of ROUND: t's bits are ROUND_BITS + n, and the float 2^n has bits (n + 127) << 23. */
    private static final int ROUND_BITS = 0x4B400000;

    /** e^x of each lane (see the class comment). */
    public static FloatVector exp(FloatVector x) {
        x = x.max(MIN).min(MAX);
        FloatVector t = x.fma(x.broadcast(LOG2E), x.broadcast(ROUND));
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(x.broadcast(-LN2_HI), x);
        r = n.fma(x.broadcast(-LN2_LO), r);
        FloatVector p = r.fma(x.broadcast(1f / 720), x.broadcast(1f / 120));
        p = p.fma(r, x.broadcast(1f / 24));
        p = p.fma(r, x.broadcast(1f / 6));
        p = p.fma(r, x.broadcast(0.5f));
        p = p.fma(r, x.broadcast(1f));
        p = p.fma(r, x.broadcast(1f));
        FloatVector pow2 = t.reinterpretAsInts().sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(pow2);
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations (fused multiply-adds included) on one float. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, MIN), MAX);
        float t = Math.fma(x, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, 1f / 720, 1f / 120);
        p = Math.fma(p, r, 1f / 24);
        p = Math.fma(p, r, 1f / 6);
        p = Math.fma(p, r, 0.5f);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(t) - (ROUND_BITS - 127)) << 23);
    }
}
