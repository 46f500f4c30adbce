package dev.mutual.trainer.eager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.LossAndGradients;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.graph.DecoderGraphGradientTest;
import dev.mutual.trainer.graph.DecoderGraphLoraTest;
import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.lora.LoraMerge;
import dev.mutual.trainer.lora.LoraWeights;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.HalfFormat;
import dev.mutual.trainer.model.HalfMatrix;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.model.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A frozen LoRA base whose projection matrices are kept in bf16 or f16 ({@link HalfBase}, widened into one scratch
 * right before each gemm) gives bit-identical loss and LoRA gradients, in fp32, to the same 16-bit values widened to
 * fp32 up front (the engine's plain fp32 path): widening is exact and the gemms are the same calls on the same values.
 */
class EagerHalfBaseTest {

    /** A qwen2 shape wider than one 16-row panel: q [48, 48] is three panels, k/v [24, 48] one and a half. */
    static ModelConfig wide() {
        return new ModelConfig("qwen2", 48, 40, 2, 4, 2, 12, 13, 64, 1e-6, 50.0, null, true, true, 0, 1, 2);
    }

    static ModelConfig config(String name) {
        return name.equals("wide-qwen2") ? wide() : EagerDecoderTest.config(name);
    }

    /** fp32 weights with every projection matrix replaced by 16-bit values of {@code format}, as row-major matrices in {@code half}. */
    static Map<String, INDArray> rounded(ModelConfig c, HalfFormat format, long seed, Map<String, HalfMatrix> half) {
        Map<String, INDArray> w = new LinkedHashMap<>();
        Random rng = new Random(seed);
        DecoderGraphGradientTest.randomWeights(c, seed).forEach((name, a) -> {
            INDArray f = a.castTo(DataType.FLOAT).dup('c');
            if (name.endsWith("_proj.weight")) {
                int rows = (int) f.size(0), cols = (int) f.size(1);
                short[] bits = new short[rows * cols];
                float[] values = f.data().asFloat();
                for (int i = 0; i < bits.length; i++) {
                    bits[i] = format == HalfFormat.BF16 ? HalfFormat.floatToBf16(values[i]) : randomF16(rng);
                }
                HalfMatrix m = new HalfMatrix(format, rows, cols, 0, bits);
                half.put(name, m);
                f = Nd4j.create(m.widened(), new long[] {rows, cols}, 'c');
            }
            w.put(name, f);
        });
        return w;
    }

    /** f16 bits around the weights' size (2^-9 .. 2^-1), one in eight subnormal, random sign. */
    private static short randomF16(Random rng) {
        int sign = rng.nextBoolean() ? 0x8000 : 0;
        int exp = rng.nextInt(8) == 0 ? 0 : 6 + rng.nextInt(9);
        return (short) (sign | exp << 10 | rng.nextInt(1 << 10));
    }

    @ParameterizedTest
    @CsvSource({"llama, BF16, 0.0", "qwen2, BF16, 0.25", "wide-qwen2, BF16, 0.0", "llama, F16, 0.25",
            "qwen2, F16, 0.0", "wide-qwen2, F16, 0.25"})
    void sixteenBitBaseMatchesTheSameValuesInFp32(String name, HalfFormat format, double dropout) {
        ModelConfig c = config(name);
        Map<String, HalfMatrix> rowMajor = new LinkedHashMap<>();
        Map<String, INDArray> wide = rounded(c, format, 61, rowMajor);
        // the same matrices both row-major and packed into panels, half of each
        Map<String, HalfMatrix> half = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, HalfMatrix> e : rowMajor.entrySet()) {
            half.put(e.getKey(), i++ % 2 == 0 ? e.getValue() : e.getValue().packed(HalfMatrix.PANEL));
        }
        Map<String, INDArray> rest = new LinkedHashMap<>(wide);
        rest.keySet().removeAll(half.keySet());
        LoraConfig lc = new LoraConfig(2, 3, dropout, List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"));
        LoraWeights lora = DecoderGraphLoraTest.randomAdapter(lc, c, 62);
        EagerDecoder fp32 = EagerDecoder.buildWithLora(c, EagerDecoderTest.copy(wide), lora, 2, 6, DataType.FLOAT, 9);
        EagerDecoder sixteen = EagerDecoder.buildWithLora(c, rest, half, lora, 2, 6, DataType.FLOAT, 9);
        assertSame(fp32, sixteen, DecoderGraphGradientTest.batch());
        assertEquals(fp32.loss(DecoderGraphGradientTest.batch()), sixteen.loss(DecoderGraphGradientTest.batch()));
    }

    /** The {@code DecoderWeights} route (16-bit matrices packed in panels, as {@code HfCheckpoint} loads them) and {@code toWeights}. */
    @ParameterizedTest
    @CsvSource({"qwen2, BF16", "llama, F16", "wide-qwen2, BF16"})
    void decoderWeightsWithHalfMatricesStaySixteenBit(String name, HalfFormat format) {
        ModelConfig c = config(name);
        Map<String, HalfMatrix> half = new LinkedHashMap<>();
        Map<String, INDArray> wide = rounded(c, format, 71, half);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        wide.forEach((n, a) -> {
            if (!half.containsKey(n)) tensors.put(n, new Tensor(toInts(a.shape()), a.data().asFloat()));
        });
        DecoderWeights base = DecoderWeights.fromHfTensors(c, tensors, half, "test");
        assertTrue(base.half().size() >= 7 * c.numLayers(), "projections kept in 16 bits");
        LoraWeights lora = DecoderGraphLoraTest.randomAdapter(LoraConfig.allLinear(2, 4, 0), c, 72);
        EagerDecoder fp32 = EagerDecoder.buildWithLora(base.widened(), lora, 2, 6, DataType.FLOAT, 3);
        EagerDecoder sixteen = EagerDecoder.buildWithLora(base, lora, 2, 6, DataType.FLOAT, 3);
        assertSame(fp32, sixteen, DecoderGraphGradientTest.batch());
        DecoderWeights back = sixteen.toWeights();
        assertEquals(base.half().keySet(), back.half().keySet());
        for (String n : base.half().keySet()) assertTrue(base.half(n).bits() == back.half(n).bits(), n + " shared, not copied");
        base.widened().toHfTensors().forEach((n, t) -> assertArrayEquals(t.values(), back.widened().toHfTensors().get(n).values(), n));
    }

    /**
     * Real bf16 and f16 checkpoints (transformers' {@code save_pretrained}) loaded with {@code Precision.AUTO}: the LoRA
     * engine keeps their projections in 16 bits and trains exactly as on the checkpoint widened at load; merging the
     * adapter gives the same fp32 weights either way.
     */
    @ParameterizedTest
    @CsvSource({"llama-bf16, 0.0", "qwen2-f16, 0.25"})
    void sixteenBitCheckpointTrainsAsWidenedAtLoad(String name, double dropout) {
        Path dir = Path.of("src/test/resources/parity").resolve(name);
        DecoderWeights half = HfCheckpoint.load(dir, HfCheckpoint.Precision.AUTO).weights();
        DecoderWeights wide = HfCheckpoint.load(dir, HfCheckpoint.Precision.F32).weights();
        assertTrue(half.half(DecoderParameters.layer(1, "mlp.down_proj.weight")) != null, name + " is a 16-bit checkpoint");
        ModelConfig c = half.config();
        LoraWeights lora = DecoderGraphLoraTest.randomAdapter(new LoraConfig(4, 8, dropout,
                List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")), c, 81);
        EagerDecoder fp32 = EagerDecoder.buildWithLora(wide, lora, 2, 6, DataType.FLOAT, 4);
        EagerDecoder sixteen = EagerDecoder.buildWithLora(half, lora, 2, 6, DataType.FLOAT, 4);
        int[][] in = {{3, 7, 3, 3, 12, 0}, {7, 5, 5, 9, 3, 1}}, out = {{7, 3, 3, 12, 0, 7}, {5, 5, 9, 3, 1, 1}};
        assertSame(fp32, sixteen, new TokenBatch(in, out, new double[][] {{1, 1, 1, 1, 1, 1}, {1, 1, 0, 1, 1, 1}}));
        DecoderWeights mergedHalf = LoraMerge.merge(sixteen.toWeights(), lora), mergedWide = LoraMerge.merge(wide, lora);
        assertTrue(mergedHalf.half().isEmpty());
        mergedWide.toHfTensors().forEach((n, t) -> assertArrayEquals(t.values(), mergedHalf.toHfTensors().get(n).values(), n));
    }

    /** Random weights drawn with bf16 projections: the fp32 draws rounded to bf16, packed in panels; the rest as drawn. */
    @Test
    void randomBf16ProjectionsAreTheFp32DrawsRounded() {
        ModelConfig c = wide();
        Map<String, HalfMatrix> half = new LinkedHashMap<>();
        Map<String, INDArray> rest = DecoderParameters.random(c, 8, DataType.FLOAT, n -> n.endsWith("_proj.weight"), half);
        Map<String, INDArray> all = DecoderParameters.random(c, 8, DataType.FLOAT);
        assertEquals(7 * c.numLayers(), half.size());
        all.forEach((name, a) -> {
            float[] want = a.data().asFloat();
            HalfMatrix h = half.get(name);
            if (h == null) {
                assertArrayEquals(want, rest.get(name).data().asFloat(), name);
                return;
            }
            assertEquals(HalfMatrix.PANEL, h.panel(), name);
            float[] got = h.widened();
            for (int i = 0; i < want.length; i++) {
                assertEquals(HalfFormat.BF16.widen(HalfFormat.floatToBf16(want[i])), got[i], name + " [" + i + "]");
            }
        });
    }

    @Test
    void sixteenBitMatricesNeedAFrozenProjection() {
        ModelConfig c = config("llama");
        Map<String, HalfMatrix> half = new LinkedHashMap<>();
        Map<String, INDArray> wide = rounded(c, HalfFormat.BF16, 5, half);
        LoraWeights lora = DecoderGraphLoraTest.randomAdapter(LoraConfig.allLinear(2, 4, 0), c, 6);
        Map<String, HalfMatrix> embedding = Map.of(DecoderParameters.EMBEDDING,
                HalfMatrix.bf16(wide.get(DecoderParameters.EMBEDDING).data().asFloat(), c.vocabSize(), c.hiddenSize()));
        assertThrows(IllegalArgumentException.class,
                () -> EagerDecoder.buildWithLora(c, wide, embedding, lora, 1, 4, DataType.FLOAT, 0));
        assertThrows(IllegalArgumentException.class,
                () -> EagerDecoder.buildWithLora(c, wide, half, null, 1, 4, DataType.FLOAT, 0));
        String q = DecoderParameters.layer(0, "self_attn.q_proj.weight");
        Map<String, HalfMatrix> transposed = Map.of(q, new HalfMatrix(HalfFormat.BF16, 8, 16, 0, new short[128]));
        Map<String, INDArray> rest = new LinkedHashMap<>(wide);
        rest.remove(q);
        assertThrows(IllegalArgumentException.class,
                () -> EagerDecoder.buildWithLora(c, rest, transposed, lora, 1, 4, DataType.FLOAT, 0));
    }

    /** Two passes (two dropout draws): the same loss and the same bits in every LoRA gradient. */
    private static void assertSame(EagerDecoder expected, EagerDecoder actual, TokenBatch batch) {
        assertEquals(expected.parameterNames(), actual.parameterNames());
        for (int pass = 0; pass < 2; pass++) {
            try (LossAndGradients e = expected.lossAndGradients(batch); LossAndGradients a = actual.lossAndGradients(batch)) {
                assertEquals(e.loss(), a.loss(), "loss, pass " + pass);
                assertEquals(e.gradients().keySet(), a.gradients().keySet());
                for (String p : e.gradients().keySet()) {
                    float[] ev = e.gradients().get(p).data().asFloat(), av = a.gradients().get(p).data().asFloat();
                    assertTrue(e.gradients().get(p).amaxNumber().doubleValue() > 1e-6, p + ": gradient ~0");
                    assertArrayEquals(ev, av, p + ", pass " + pass);
                }
            }
        }
    }

    private static int[] toInts(long[] shape) {
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) s[i] = (int) shape[i];
        return s;
    }
}
