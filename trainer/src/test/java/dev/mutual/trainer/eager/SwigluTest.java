package dev.mutual.trainer.eager;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fp32 SwiGLU pass (Vector API sigmoid on heap chunks) against sigmoid and silu * up computed here in double
 * from the definition, over a length that spans several chunks and ends in a partial vector, with gate values from
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
        INDArray s = Nd4j.create(DataType.FLOAT, len), o = Nd4j.create(DataType.FLOAT, len);
        new Swiglu().forward(Dense.of(g), Dense.of(u), Dense.of(s), Dense.of(o), len);
        float[] sig = s.toFloatVector(), out = o.toFloatVector();
        double worstSig = 0, worstOut = 0;
        for (int i = 0; i < len; i++) {
            double exact = 1 / (1 + Math.exp(-(double) gate[i]));
            double exactOut = gate[i] * exact * up[i];
            worstSig = Math.max(worstSig, Math.abs(sig[i] - exact) / Math.max(exact, 1e-30));
            // Products below 1e-24 (gate near -80: sigmoid ~1e-35) lose digits near fp32's subnormals: judged absolutely.
            worstOut = Math.max(worstOut, Math.abs(out[i] - exactOut) / Math.max(Math.abs(exactOut), 1e-24));
        }
        assertTrue(worstSig < 1e-6, "worst relative sigmoid error " + worstSig);
        assertTrue(worstOut < 1e-6, "worst relative silu * up error " + worstOut);
    }
}
