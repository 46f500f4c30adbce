package dev.mutual.trainer.eager;

import dev.mutual.trainer.ops.Exp;
import dev.mutual.trainer.ops.SwiGluGate;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SwiGLU, act = silu(gate) * up, forward and backward, each in one pass. Why not ND4J's {@code Sigmoid} op plus a Java
 * loop: the native op syncs its OpenMP threads per call and made a second pass over [N, F]; here fp32 runs in heap
 * chunks with the Vector API and {@link Exp#exp(FloatVector)} (within 3 ulp), fp64 (the gradient checks) in double
 * with {@code Math.exp}. The backward computes sigmoid(gate) again instead of reading a saved [N, F] copy: the pass is
 * memory-bound and the exp is cheap next to a fourth array (and a model's worth of them in memory). Not thread-safe
 * (scratch chunks).
 */
final class Swiglu {

    /** {@link Exp#SPECIES}, as every loop that calls {@link Exp}: one vector class per JVM, or C2 stops inlining it. */
    private static final VectorSpecies<Float> S = Exp.SPECIES;
    private static final int CHUNK = 4096;
    private final float[] g = new float[CHUNK], u = new float[CHUNK], o = new float[CHUNK];

    /** out = gate * sigmoid(gate) * up over elements [0, len). */
    void forward(Dense gate, Dense up, Dense out, int len) {
        forward(gate, up, out, 0, len);
    }

    /** {@link #forward(Dense, Dense, Dense, int)} over elements [start, end). */
    void forward(Dense gate, Dense up, Dense out, int start, int end) {
        if (!(gate instanceof Dense.F32 gf && up instanceof Dense.F32 uf && out instanceof Dense.F32 of)) {
            for (int i = start; i < end; i++) {
                double x = gate.get(i);
                out.set(i, SwiGluGate.forward(x, SwiGluGate.sigmoid(x), up.get(i)));
            }
            return;
        }
        for (int from = start; from < end; from += CHUNK) {
            int m = Math.min(CHUNK, end - from);
            gf.copyTo(from, g, m);
            uf.copyTo(from, u, m);
            int j = 0;
            for (; j <= m - S.length(); j += S.length()) {
                FloatVector x = FloatVector.fromArray(S, g, j);
                x.mul(sigmoid(x)).mul(FloatVector.fromArray(S, u, j)).intoArray(o, j);
            }
            for (; j < m; j++) o[j] = g[j] * (float) SwiGluGate.sigmoid(g[j]) * u[j];
            of.copyFrom(o, from, m);
        }
    }

    /** sigmoid on lanes: e = exp(-|x|) <= 1 never overflows; sigmoid(x) = 1 / (1 + e) for x >= 0, e / (1 + e) below. */
    private static FloatVector sigmoid(FloatVector x) {
        FloatVector e = Exp.exp(x.lanewise(VectorOperators.ABS).neg());
        return FloatVector.broadcast(S, 1f).blend(e, x.lt(0f)).div(e.add(1f));
    }

    /**
     * Backward over elements [start, end): with sig = sigmoid(gate), dUp = grad * gate * sig and dGate = grad * up *
     * sig * (1 + gate * (1 - sig)) ({@link SwiGluGate#upBackward}, {@link SwiGluGate#gateBackward}); fp32 in heap
     * chunks with the Vector API, fp64 through the definitions.
     */
    void backward(Dense grad, Dense gate, Dense up, Dense dGate, Dense dUp, int start, int end) {
        if (!(grad instanceof Dense.F32 df && gate instanceof Dense.F32 gf && up instanceof Dense.F32 uf
                && dGate instanceof Dense.F32 dgf && dUp instanceof Dense.F32 duf)) {
            for (int i = start; i < end; i++) {
                double x = gate.get(i), sg = SwiGluGate.sigmoid(x), dy = grad.get(i);
                dUp.set(i, SwiGluGate.upBackward(dy, x, sg));
                dGate.set(i, SwiGluGate.gateBackward(dy, x, sg, up.get(i)));
            }
            return;
        }
        for (int from = start; from < end; from += CHUNK) {
            int m = Math.min(CHUNK, end - from);
            df.copyTo(from, o, m);
            gf.copyTo(from, g, m);
            uf.copyTo(from, u, m);
            int j = 0;
            for (; j <= m - S.length(); j += S.length()) {
                FloatVector dy = FloatVector.fromArray(S, o, j), x = FloatVector.fromArray(S, g, j);
                FloatVector sg = sigmoid(x), upv = FloatVector.fromArray(S, u, j);
                FloatVector dySig = dy.mul(sg);
                dySig.mul(x).intoArray(o, j);                                             // dUp, into o's lanes
                dySig.mul(upv).mul(x.mul(sg.neg().add(1f)).add(1f)).intoArray(g, j);      // dGate, into g's lanes
            }
            for (; j < m; j++) {
                float dy = o[j], x = g[j], sg = (float) SwiGluGate.sigmoid(x);
                o[j] = dy * x * sg;
                g[j] = dy * u[j] * sg * (1 + x * (1 - sg));
            }
            duf.copyFrom(o, from, m);
            dgf.copyFrom(g, from, m);
        }
    }
}
