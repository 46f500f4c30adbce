package dev.mutual.trainer.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Expected values worked by hand (and in Python's float64, with struct-packed float32 for the fp32 base):
 * theta 10000, head_dim 8 gives inv_freq 1, 0.1, 0.01, 0.001; llama3 scaling (factor 8, low 1, high 4, original
 * 8192) keeps wavelengths under 2048, and 0.001's wavelength 6283.2 falls in the smooth band:
 * smooth = (8192 / 6283.19 - 1) / 3 = 0.10127, so inv = 0.001 * (0.89873 / 8 + 0.10127) = 2.13608e-4.
 */
class RopeFrequenciesTest {
    private static ModelConfig config(ModelConfig.RopeScaling scaling) {
        return new ModelConfig("llama", 16, 12, 1, 2, 2, 8, 13, 64, 1e-5, 10000.0, scaling, false, false,
                0, -1, -1);
    }

    private static final ModelConfig.RopeScaling LLAMA3 = new ModelConfig.RopeScaling(8.0, 1.0, 4.0, 8192);

    @Test
    void inverseFrequenciesWithAndWithoutLlama3Scaling() {
        assertArrayEquals(new double[] {1.0, 0.1, 0.01, 0.001}, RopeFrequencies.inverseFrequencies(config(null)), 1e-15);
        assertArrayEquals(new double[] {1.0, 0.1, 0.01, 2.1360754402756864e-4},
                RopeFrequencies.inverseFrequencies(config(LLAMA3)), 1e-15);
    }

    @Test
    void fp32BaseIsRoundedBeforeScaling() {
        double[] inv = RopeFrequencies.inverseFrequencies(config(LLAMA3), true);
        assertEquals((float) 0.1, inv[1], 0.0);
        assertEquals((float) 0.01, inv[2], 0.0);
        // scaling the float-rounded 0.001 moves the 8th significant digit away from the double result above
        assertEquals(2.1360757223543917e-4, inv[3], 1e-18);
    }

    @Test
    void tablesUseTheRotateHalfLayout() {
        double[][] cos = RopeFrequencies.cos(config(null), 4), sin = RopeFrequencies.sin(config(null), 4);
        assertEquals(4, cos.length);
        assertEquals(8, cos[0].length);
        assertEquals(0.955336489125606, cos[3][1], 1e-15); // cos(3 * 0.1)
        assertEquals(0.955336489125606, cos[3][5], 1e-15); // dimension 1 + head_dim/2 shares the frequency
        assertEquals(0.2955202066613396, sin[3][1], 1e-15);
        assertEquals(0.0, sin[0][7], 0.0);
    }
}
