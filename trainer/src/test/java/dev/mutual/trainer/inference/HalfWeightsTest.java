package dev.mutual.trainer.inference;

import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.HalfFormat;
import dev.mutual.trainer.model.HalfMatrix;
import dev.mutual.data.UserInputException;
import dev.mutual.trainer.checkpoint.Safetensors;
import dev.mutual.trainer.model.HfConfigFile;
import dev.mutual.trainer.model.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weights kept in 16 bits: the widening rules against an exact reference for every bit pattern, and a 16-bit
 * checkpoint kept in 16 bits giving bit-identical logits, log-probabilities and greedy tokens to the same checkpoint
 * widened to fp32 up front, on both kernel paths.
 */
class HalfWeightsTest {
    /** Exact value of binary16 bits, from the definition (sign, exponent bias 15, subnormals below exponent 1). */
    private static int f16Reference(int h) {
        int sign = (h & 0x8000) << 16, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
        if (exp == 0x1f) return sign | 0x7f800000 | (mant << 13); // infinity, or NaN with its payload
        double value = exp == 0 ? mant * Math.pow(2, -24) : (1024 + mant) * Math.pow(2, exp - 25);
        return sign | Float.floatToRawIntBits((float) value); // exact: every binary16 value is a float
    }

    @Test
    void everyBitPatternWidensExactly() {
        assertTrue(HalfKernels.VECTOR, "this machine's JVM should run the 16-bit vector kernels (256-bit vectors)");
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) all[i] = (short) i;
        float[] f16 = new float[all.length], bf16 = new float[all.length];
        for (int i = 0; i < all.length; i += 8) {
            HalfKernels.widen(all, i, true).intoArray(f16, i);
            HalfKernels.widen(all, i, false).intoArray(bf16, i);
        }
        int nans = 0;
        for (int i = 0; i < all.length; i++) {
            int want = f16Reference(i);
            assertEquals(want, Float.floatToRawIntBits(HalfFormat.F16.widen(all[i])), () -> "scalar f16 " + Integer.toHexString(want));
            assertEquals(want, Float.floatToRawIntBits(f16[i]), "vector f16 of 0x" + Integer.toHexString(i));
            int bfWant = i << 16;
            assertEquals(bfWant, Float.floatToRawIntBits(HalfFormat.BF16.widen(all[i])), "scalar bf16 of 0x" + Integer.toHexString(i));
            assertEquals(bfWant, Float.floatToRawIntBits(bf16[i]), "vector bf16 of 0x" + Integer.toHexString(i));
            if (Float.isNaN(f16[i])) nans++;
            else assertEquals(i, HalfFormat.floatToBf16(bf16[i]) & 0xffff, "bf16 round trip of 0x" + Integer.toHexString(i));
        }
        assertEquals(2 * 1023, nans); // f16 NaNs: exponent 31, mantissa != 0, either sign
        assertEquals(0x1p-24f, HalfFormat.F16.widen((short) 1)); // smallest subnormal
        assertEquals(65504f, HalfFormat.F16.widen((short) 0x7bff)); // largest finite
    }

    @Test
    void packedLayoutIsTheFloatKernelsLayout() {
        int n = 37, k = 5; // a partial last panel
        float[] w = new float[n * k];
        for (int i = 0; i < w.length; i++) w[i] = i - 90.5f;
        HalfMatrix h = HalfMatrix.bf16(w, n, k).packed(HalfMatrix.PANEL);
        float[] packed = Kernels.pack(w, n, k);
        assertEquals(packed.length, h.bits().length);
        for (int i = 0; i < packed.length; i++) assertEquals(packed[i], HalfFormat.BF16.widen(h.bits()[i]), "index " + i);
        assertArrayEquals(w, h.widened());
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-bf16", "qwen2-f16"})
    void sixteenBitWeightsGiveTheLogitsOfWideningUpFront(String name) {
        Path dir = HfParityTest.PARITY.resolve(name);
        DecoderWeights half = HfCheckpoint.load(dir, HfCheckpoint.Precision.AUTO).weights();
        DecoderWeights wide = HfCheckpoint.load(dir, HfCheckpoint.Precision.F32).weights();
        assertTrue(wide.half().isEmpty());
        assertNull(half.layers().get(0).qProj());
        if (half.config().tieWordEmbeddings()) assertSame(half.half("model.embed_tokens.weight"), half.half("lm_head.weight"));
        assertArrayEquals(wide.layers().get(1).downProj(), half.widened().layers().get(1).downProj());
        int[] a = {5, 17, 3, 90, 44, 44, 8, 61, 22, 70, 12, 9, 33}, b = {7, 81, 6, 2, 19, 55, 30};
        for (boolean vector : new boolean[] {false, true}) {
            for (int threads : new int[] {1, 2}) {
                try (Decoder h = new Decoder(half, vector, threads); Decoder f = new Decoder(wide, vector, threads)) {
                    float[] hh = h.forward(chunks(h, a, b)), fh = f.forward(chunks(f, a, b));
                    assertArrayEquals(fh, hh, 0f, name + " hidden");
                    int rows = a.length + b.length;
                    assertArrayEquals(f.logits(fh, 0, rows), h.logits(hh, 0, rows), 0f, name + " logits");
                    int[] rowIds = new int[rows], targets = new int[rows];
                    for (int r = 0; r < rows; r++) {
                        rowIds[r] = r;
                        targets[r] = (r * 31) % half.config().vocabSize();
                    }
                    assertArrayEquals(f.targetLogprobs(fh, rowIds, targets), h.targetLogprobs(hh, rowIds, targets), 0.0, name + " logprobs");
                    Generator gh = new Generator(h), gf = new Generator(f);
                    assertArrayEquals(gf.generate(List.of(a), GenerationOptions.greedy(20), null).get(0).tokens(),
                            gh.generate(List.of(a), GenerationOptions.greedy(20), null).get(0).tokens(), name + " greedy tokens");
                }
            }
        }
    }

    @Test
    void bf16PrecisionRoundsAnFp32Checkpoint() {
        Path dir = HfParityTest.PARITY.resolve("llama");
        DecoderWeights rounded = HfCheckpoint.load(dir, HfCheckpoint.Precision.BF16).weights();
        DecoderWeights wide = HfCheckpoint.load(dir, HfCheckpoint.Precision.AUTO).weights();
        assertTrue(wide.half().isEmpty(), "auto keeps an fp32 checkpoint in fp32");
        float[] q = wide.layers().get(0).qProj();
        float[] back = rounded.widened().layers().get(0).qProj();
        for (int i = 0; i < q.length; i++) assertEquals(HalfFormat.BF16.widen(HalfFormat.floatToBf16(q[i])), back[i]);
        assertArrayEquals(wide.layers().get(0).inputNorm(), rounded.layers().get(0).inputNorm(), "norms stay fp32");
    }

    @Test
    void shardedBf16FolderKeepsItsMatricesAndRejectsAWrongShape(@TempDir Path dir) {
        DecoderWeights fp32 = HfCheckpoint.load(HfParityTest.PARITY.resolve("qwen2")).weights();
        HfConfigFile.write(fp32.config(), dir.resolve("config.json"));
        Map<String, Tensor> tensors = fp32.toHfTensors();
        List<Path> shards = Safetensors.writeModel(dir, tensors, Map.of("format", "pt"), Safetensors.DType.BF16, 4000);
        assertTrue(shards.size() > 3, "sharded: " + shards);
        DecoderWeights half = HfCheckpoint.load(dir, HfCheckpoint.Precision.AUTO).weights();
        DecoderWeights wide = HfCheckpoint.load(dir, HfCheckpoint.Precision.F32).weights();
        assertEquals(7 * 2 + 2, half.half().size());
        assertArrayEquals(wide.layers().get(1).qBias(), half.layers().get(1).qBias(), "biases are fp32 in both");
        for (Map.Entry<String, Tensor> e : wide.toHfTensors().entrySet()) {
            assertArrayEquals(e.getValue().values(), half.toHfTensors().get(e.getKey()).values(), e.getKey());
        }
        Map<String, Tensor> bad = new LinkedHashMap<>(tensors);
        float[] k = tensors.get("model.layers.1.self_attn.k_proj.weight").values();
        bad.put("model.layers.1.self_attn.k_proj.weight", new Tensor(new int[] {32, 16}, k)); // transposed [16, 32]
        Safetensors.writeModel(dir, bad, Map.of("format", "pt"), Safetensors.DType.BF16, 4000);
        String m = assertThrows(UserInputException.class, () -> HfCheckpoint.load(dir, HfCheckpoint.Precision.AUTO)).getMessage();
        assertTrue(m.contains("model.layers.1.self_attn.k_proj.weight") && m.contains("[32, 16]") && m.contains("[16, 32]"), m);
    }

    private static List<Decoder.Chunk> chunks(Decoder d, int[]... seqs) {
        List<Decoder.Chunk> out = new ArrayList<>();
        for (int[] s : seqs) out.add(new Decoder.Chunk(s, d.newCache(s.length)));
        return out;
    }
}
