package dev.mutual.trainer.eager;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fp32 SwiGLU passes (Vector API sigmoid on heap chunks) against silu * up and its gradients computed here in
 * double from the definition, over lengths that span several chunks and end in a partial vector, with gate values from
 * -100 to 100 (both saturated ends of the sigmoid). The fp64 path is pinned by EagerDecoderTest's gradient checks.
 */
class SwigluTest {

    @Test
    void fp32MatchesTheDefinitionInDouble() {
        int len = 3 * 4096 + 13;
        SplittableRandom rng = new SplittableRandom(7);
        float[] gate = new float[len], up = new float[len];
        for (int i = 0; i < len; i++) {
            gate[i] = i < 200 ? -100 + i : (float) (rng.nextGaussian() * 4);
            up[i] = (float) rng.nextGaussian();
        }
        INDArray g = Nd4j.createFromArray(gate), u = Nd4j.createFromArray(up);
        INDArray o = Nd4j.create(DataType.FLOAT, len);
        new Swiglu().forward(Dense.of(g), Dense.of(u), Dense.of(o), len);
        float[] out = o.toFloatVector();
        double worstOut = 0;
        for (int i = 0; i < len; i++) {
            double exact = 1 / (1 + Math.exp(-(double) gate[i]));
            double exactOut = gate[i] * exact * up[i];
            // Products below 1e-24 (gate near -80: sigmoid ~1e-35) lose digits near fp32's subnormals: judged absolutely.
            worstOut = Math.max(worstOut, Math.abs(out[i] - exactOut) / Math.max(Math.abs(exactOut), 1e-24));
        }
        assertTrue(worstOut < 1e-6, "worst relative silu * up error " + worstOut);
    }

    /**
     * The fp32 backward (vector lanes and the scalar tail) against the ops definitions in double, on a range that
     * starts mid-array and ends in a partial vector; elements outside the range stay untouched.
     */
    @Test
    void fp32BackwardMatchesTheDefinitionInDouble() {
        int len = 2 * 4096 + 29, start = 5, end = len - 3;
        SplittableRandom rng = new SplittableRandom(8);
        float[] gate = new float[len], up = new float[len], grad = new float[len];
        double[] sig = new double[len];
        for (int i = 0; i < len; i++) {
            gate[i] = i < 200 ? -100 + i : (float) (rng.nextGaussian() * 4);
            sig[i] = 1 / (1 + Math.exp(-(double) gate[i]));
            up[i] = (float) rng.nextGaussian();
            grad[i] = (float) rng.nextGaussian();
        }
        INDArray dGate = Nd4j.create(DataType.FLOAT, len).addi(7), dUp = Nd4j.create(DataType.FLOAT, len).addi(7);
        new Swiglu().backward(Dense.of(Nd4j.createFromArray(grad)), Dense.of(Nd4j.createFromArray(gate)),
                Dense.of(Nd4j.createFromArray(up)), Dense.of(dGate), Dense.of(dUp), start, end);
        float[] dg = dGate.toFloatVector(), du = dUp.toFloatVector();
        double worst = 0;
        for (int i = 0; i < len; i++) {
            if (i < start || i >= end) {
                assertTrue(dg[i] == 7 && du[i] == 7, "element " + i + " outside the range was written");
                continue;
            }
            double expectedUp = dev.mutual.trainer.ops.SwiGluGate.upBackward(grad[i], gate[i], sig[i]);
            double expectedGate = dev.mutual.trainer.ops.SwiGluGate.gateBackward(grad[i], gate[i], sig[i], up[i]);
            worst = Math.max(worst, Math.abs(du[i] - expectedUp) / Math.max(Math.abs(expectedUp), 1e-6));
            // 1 + gate * (1 - sig) cancels near gate = -1.28: judged against the size of its terms, not the result.
            double terms = Math.abs(grad[i] * up[i] * sig[i]) * (1 + Math.abs(gate[i] * (1 - sig[i])));
            worst = Math.max(worst, Math.abs(dg[i] - expectedGate) / Math.max(terms, 1e-6));
        }
        assertTrue(worst < 1e-6, "worst relative backward error " + worst);
    }
}
