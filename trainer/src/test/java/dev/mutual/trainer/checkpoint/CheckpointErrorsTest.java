package dev.mutual.trainer.checkpoint;

import dev.mutual.trainer.model.Tensor;
import dev.mutual.data.UserInputException;
import dev.mutual.trainer.model.DecoderWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken model directories and llama2.c files fail at load time with the file, tensor and both shapes named. */
class CheckpointErrorsTest {

    @TempDir
    Path dir;

    private String error(Path model) {
        return assertThrows(UserInputException.class, () -> HfCheckpoint.load(model)).getMessage();
    }

    @Test
    void missingOrMisshapenTensorsAreNamed() {
        DecoderWeights w = Llama2cCheckpoint.read(assumeShared("models/stories260K/stories260K.bin"));
        HfCheckpoint.save(dir, w, List.of());
        Path st = dir.resolve(Safetensors.SINGLE_FILE);
        Map<String, Tensor> tensors = Safetensors.read(st);
        assertEquals(w.toHfTensors().keySet(), tensors.keySet());
        assertTrue(!tensors.containsKey("lm_head.weight")); // tied: saved once, as save_pretrained does

        tensors.remove("model.layers.2.mlp.up_proj.weight");
        Safetensors.write(st, tensors, Map.of("format", "pt"), Safetensors.DType.F32);
        String m = error(dir);
        assertTrue(m.contains("'model.layers.2.mlp.up_proj.weight' is missing") && m.contains("[172, 64]"), m);

        tensors = Safetensors.read(st);
        tensors.put("model.layers.2.mlp.up_proj.weight", new Tensor(new int[] {64, 172}, new float[64 * 172]));
        Safetensors.write(st, tensors, Map.of("format", "pt"), Safetensors.DType.F32);
        m = error(dir);
        assertTrue(m.contains("has shape [64, 172], expected [172, 64]"), m);
    }

    @Test
    void bf16CheckpointLoadsWithinBf16Rounding() {
        DecoderWeights w = Llama2cCheckpoint.read(assumeShared("models/stories260K/stories260K.bin"));
        HfCheckpoint.save(dir, w, List.of());
        Path st = dir.resolve(Safetensors.SINGLE_FILE);
        Safetensors.write(st, w.toHfTensors(), Map.of("format", "pt"), Safetensors.DType.BF16);
        float[] back = HfCheckpoint.load(dir).weights().layers().get(0).qProj();
        float[] orig = w.layers().get(0).qProj();
        for (int i = 0; i < orig.length; i++) assertEquals(orig[i], back[i], Math.abs(orig[i]) * 0x1p-8);
    }

    @Test
    void missingConfigAndTruncatedLlama2cFileAreBadInput() throws IOException {
        assertTrue(error(dir).contains("config.json is missing"));
        byte[] bytes = Files.readAllBytes(assumeShared("models/stories260K/stories260K.bin"));
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 4));
        String m = assertThrows(UserInputException.class, () -> Llama2cCheckpoint.read(cut)).getMessage();
        assertTrue(m.contains("implies 1056540 bytes, file has 1056536"), m);
        Path junk = dir.resolve("junk.bin");
        Files.write(junk, new byte[64]);
        m = assertThrows(UserInputException.class, () -> Llama2cCheckpoint.read(junk)).getMessage();
        assertTrue(m.contains("implausible llama2.c header") && m.contains("HINT"), m);
    }
}
