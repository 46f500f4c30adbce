package dev.mutual.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.mutual.trainer.model.ModelConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class DecoderParametersTest {

    /** The FLOAT path (chunks written straight into the arrays) holds DOUBLE's values rounded to float, bit for bit. */
    @Test
    void randomFloatIsRandomDoubleRoundedToFloat() {
        // vocab * hidden = 70000 values: more than one 65536-value chunk, so the chunk boundary is crossed
        ModelConfig c = new ModelConfig("qwen2", 16, 12, 2, 4, 2, 4, 4375, 64, 1e-6, 50.0, null, true, true, 0, 1, 2);
        Map<String, INDArray> f = DecoderParameters.random(c, 9, DataType.FLOAT);
        Map<String, INDArray> d = DecoderParameters.random(c, 9, DataType.DOUBLE);
        assertEquals(d.keySet(), f.keySet());
        for (String name : d.keySet()) {
            assertEquals(DataType.FLOAT, f.get(name).dataType(), name);
            assertArrayEquals(d.get(name).shape(), f.get(name).shape(), name);
            assertArrayEquals(d.get(name).castTo(DataType.FLOAT).data().asFloat(), f.get(name).data().asFloat(), name);
        }
        INDArray e = f.get(DecoderParameters.EMBEDDING);
        assertNotEquals(0f, e.getFloat(e.length() - 1), "the last chunk is filled too");
        assertEquals(1f, f.get(DecoderParameters.FINAL_NORM).getFloat(3));
        assertEquals(0f, f.get(DecoderParameters.layer(1, "self_attn.q_proj.bias")).getFloat(0));
    }
}
