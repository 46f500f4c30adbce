package dev.mutual.trainer.eager;

import dev.mutual.trainer.ops.Exp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fused fp32 cross-entropy pass (Vector API, polynomial exp) against the same loss and gradient computed here
 * in double from the definition, and its exp against {@code Math.exp}. The fp64 path is pinned by the engine's
 * gradient checks against the SameDiff graph ({@code EagerDecoderTest}).
 */
class CrossEntropyTest {

    @Test
    void vectorExpIsWithinThreeUlpOfMathExp() {
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        float[] x = new float[lanes];
        float[] y = new float[lanes];
        double worst = 0;
        SplittableRandom rng = new SplittableRandom(1);
        for (int trial = 0; trial < 20_000; trial++) {
            for (int i = 0; i < lanes; i++) x[i] = trial < 10 ? -trial * 0.0625f * i : (float) (-87 * rng.nextDouble());
            Exp.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0)).intoArray(y, 0);
            for (int i = 0; i < lanes; i++) {
                double exact = Math.exp(x[i]);
                worst = Math.max(worst, Math.abs(y[i] - exact) / Math.ulp((float) exact));
            }
        }
        assertTrue(worst <= 3, "worst error " + worst + " ulp");
        x[0] = 0;
        x[1] = -200;   // clamped to e^-87: negligible next to a softmax's e^0
        Exp.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0)).intoArray(y, 0);
        assertEquals(1f, y[0]);
        assertTrue(y[1] > 0 && y[1] < 1e-37, "e^-200 gave " + y[1]);
    }

    @Test
    void fp32LossAndGradientMatchTheDefinitionInDouble() {
        int rows = 13, vocab = 1001;   // vocab not a multiple of the vector length: the scalar tails run too
        SplittableRandom rng = new SplittableRandom(7);
        double[][] l = new double[rows][vocab];
        int[] targets = new int[rows];
        double[] weights = new double[rows];
        double weightSum = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < vocab; j++) l[i][j] = 8 * rng.nextGaussian() + (i == 3 ? 500 : 0);  // large offset: max-shift needed
            targets[i] = rng.nextInt(vocab);
            weights[i] = i % 5 == 2 ? 0 : 0.5 + rng.nextDouble();
            weightSum += weights[i];
        }
        INDArray a = Nd4j.create(DataType.FLOAT, rows, vocab);
        for (int i = 0; i < rows; i++) for (int j = 0; j < vocab; j++) a.putScalar(i, j, (float) l[i][j]);
        double loss = new CrossEntropy(rows, vocab).run(Dense.of(a), targets, weights, weightSum, true);

        double expected = 0;
        double worstGrad = 0;
        for (int i = 0; i < rows; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < vocab; j++) max = Math.max(max, (float) l[i][j]);
            double sum = 0;
            for (int j = 0; j < vocab; j++) sum += Math.exp((float) l[i][j] - max);
            expected += weights[i] * (Math.log(sum) + max - (float) l[i][targets[i]]);
            for (int j = 0; j < vocab; j++) {
                double g = weights[i] / weightSum * (Math.exp((float) l[i][j] - max) / sum - (j == targets[i] ? 1 : 0));
                worstGrad = Math.max(worstGrad, Math.abs(a.getDouble(i, j) - g));
                if (weights[i] == 0) assertEquals(0.0, a.getDouble(i, j), "a row of weight 0 has no gradient");
            }
        }
        assertEquals(expected, loss, 1e-5 * Math.abs(expected));
        assertTrue(worstGrad < 1e-7, "worst gradient error " + worstGrad);
    }

    @Test
    void lossOnlyLeavesTheLogitsAlone() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 4, 37);
        INDArray before = a.dup();
        double loss = new CrossEntropy(4, 37).run(Dense.of(a), new int[] {0, 5, 36, 1}, new double[] {1, 1, 1, 1}, 4, false);
        assertTrue(loss > 0);
        assertEquals(before, a);
    }
}
