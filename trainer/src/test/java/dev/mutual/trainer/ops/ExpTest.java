package dev.mutual.trainer.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/** The vector exp lane by lane against its scalar twin (bit for bit), and the twin against Math.exp (3 ulp). */
class ExpTest {

    @Test
    void vectorLanesEqualTheScalarTwinBitForBitAtEveryWidth() {
        SplittableRandom rng = new SplittableRandom(3);
        for (VectorSpecies<Float> s : java.util.List.of(FloatVector.SPECIES_128, FloatVector.SPECIES_256, FloatVector.SPECIES_PREFERRED)) {
            float[] x = new float[s.length()], y = new float[s.length()];
            for (int trial = 0; trial < 5_000; trial++) {
                for (int i = 0; i < x.length; i++) x[i] = (float) (-120 + 240 * rng.nextDouble());   // clamps too
                Exp.exp(FloatVector.fromArray(s, x, 0)).intoArray(y, 0);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Float.floatToRawIntBits(Exp.exp(x[i])), Float.floatToRawIntBits(y[i]),
                            "exp(" + x[i] + ") at " + s.vectorBitSize() + " bits: " + y[i] + " vs " + Exp.exp(x[i]));
                }
            }
        }
    }

    @Test
    void scalarTwinIsWithinThreeUlpOfMathExpAndClamps() {
        double worst = 0;
        for (float x = Exp.MIN; x <= Exp.MAX; x = Math.nextUp(x + 0.00037f)) {
            double exact = Math.exp(x);
            worst = Math.max(worst, Math.abs(Exp.exp(x) - exact) / Math.ulp((float) exact));
        }
        assertTrue(worst <= 3, "worst error " + worst + " ulp");
        assertEquals(1f, Exp.exp(0f));
        assertEquals(Exp.exp(Exp.MIN), Exp.exp(-200f));
        assertTrue(Exp.exp(-200f) > 0 && Exp.exp(-200f) < 1e-37f);
        assertEquals(Exp.exp(Exp.MAX), Exp.exp(1000f));
        assertTrue(Float.isFinite(Exp.exp(1000f)));
    }
}
