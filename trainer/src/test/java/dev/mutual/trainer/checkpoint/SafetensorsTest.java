package dev.mutual.trainer.checkpoint;

import dev.mutual.trainer.model.Tensor;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reader against files written by the reference Python {@code safetensors} + torch (tools/make_safetensors_fixtures.py),
 * the writer by round trip, and hostile headers crafted byte by byte.
 */
class SafetensorsTest {
    static final Path FIXTURES = Path.of("src/test/resources/safetensors");

    @TempDir
    Path dir;

    @Test
    void readsF32F16Bf16AsTorchWidensThem() throws IOException {
        JsonNode expected = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build()
                .readTree(FIXTURES.resolve("expected.json").toFile());
        Map<String, Tensor> t = Safetensors.read(FIXTURES.resolve("mixed.safetensors"));
        assertEquals(List.of("bf16", "empty", "f16", "f32"), t.keySet().stream().sorted().toList());
        for (String name : t.keySet()) {
            JsonNode vals = expected.get("values").get(name);
            float[] want = new float[vals.size()];
            for (int i = 0; i < want.length; i++) want[i] = (float) vals.get(i).doubleValue();
            assertArrayEquals(want, t.get(name).values(), 0f, name);
            int[] shape = new int[expected.get("shapes").get(name).size()];
            for (int i = 0; i < shape.length; i++) shape[i] = expected.get("shapes").get(name).get(i).intValue();
            assertArrayEquals(shape, t.get(name).shape(), name);
        }
        // -0.0 must stay negative zero (assertArrayEquals with delta 0 treats it as equal to 0.0)
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(t.get("f32").values()[4]));
        assertEquals(Map.of("format", "pt", "source", "make_safetensors_fixtures.py"),
                Safetensors.readHeader(FIXTURES.resolve("mixed.safetensors")).metadata());
    }

    @Test
    void readsShardedDirectoryThroughTheIndex() {
        Map<String, Tensor> t = Safetensors.readModel(FIXTURES.resolve("sharded"));
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, t.get("model.embed_tokens.weight").values());
        assertArrayEquals(new int[] {3, 2}, t.get("model.embed_tokens.weight").shape());
        assertArrayEquals(new float[] {0.5f, -0.5f}, t.get("model.norm.weight").values());
    }

    @Test
    void roundTripsEachDtype() {
        float[] vals = {0f, -1.5f, 3.1415927f, 1e-3f, -65504f, 6.1e-5f, 1e-7f};
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("w", new Tensor(new int[] {7}, vals));
        in.put("m", new Tensor(new int[] {2, 2}, new float[] {1, 2, 3, 4}));
        for (Safetensors.DType dt : Safetensors.DType.values()) {
            Path f = dir.resolve(dt + ".safetensors");
            Safetensors.write(f, in, Map.of("format", "pt"), dt);
            Map<String, Tensor> back = Safetensors.read(f);
            assertEquals(List.of("w", "m"), List.copyOf(back.keySet()));
            assertArrayEquals(new float[] {1, 2, 3, 4}, back.get("m").values());
            for (int i = 0; i < vals.length; i++) {
                // relative error of one rounding: 2^-24 (F32), 2^-11 (F16, plus subnormal spacing 2^-24), 2^-8 (BF16)
                double tol = switch (dt) { case F32 -> 0; case F16 -> Math.abs(vals[i]) * 0x1p-11 + 0x1p-25; case BF16 -> Math.abs(vals[i]) * 0x1p-8; };
                assertEquals(vals[i], back.get("w").values()[i], tol, dt + " value " + i);
            }
        }
        // exact known encodings (IEEE tables): 1.0 -> 0x3c00 half, 0x3f80 bf16; 65520 overflows half to +inf
        assertEquals((short) 0x3c00, Safetensors.floatToHalf(1f));
        assertEquals((short) 0x3f80, Safetensors.floatToBf16(1f));
        assertEquals((short) 0x7c00, Safetensors.floatToHalf(65520f));
        assertEquals((short) 0x0001, Safetensors.floatToHalf(0x1p-24f));
        assertEquals(0x1p-24f, Safetensors.halfToFloat((short) 0x0001));
        assertEquals(65504f, Safetensors.halfToFloat((short) 0x7bff));
        // no temp files left behind
        try (var s = Files.list(dir)) {
            assertFalse(s.anyMatch(p -> p.toString().endsWith(".tmp")));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A file with the given length field, header text and number of data bytes. */
    private Path craft(String name, long headerLength, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(h);
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private Path craft(String name, String header, int dataBytes) throws IOException {
        return craft(name, header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    private String error(Path f) {
        String m = assertThrows(UserInputException.class, () -> Safetensors.read(f)).getMessage();
        assertTrue(m.contains(f.toString()), m);
        return m;
    }

    @Test
    void rejectsHostileAndTruncatedFilesWithClearErrors() throws IOException {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        assertEquals(2, Safetensors.read(craft("ok", ok, 8)).get("a").size());

        Files.write(dir.resolve("short"), new byte[] {1, 2, 3});
        assertTrue(error(dir.resolve("short")).contains("too short"));
        assertTrue(error(craft("huge-header", 1L << 62, ok, 8)).contains("header length 4611686018427387904 is outside"));
        assertTrue(error(craft("lying-header", 5000, ok, 8)).contains("exceeds"));
        assertTrue(error(craft("not-json", "{\"a\": [}", 0)).contains("not valid JSON"));
        assertTrue(error(craft("array", "[1,2,3]", 0)).contains("must be a JSON object"));
        assertTrue(error(craft("dtype", ok.replace("F32", "I64"), 8)).contains("dtype 'I64' is not supported"));
        assertTrue(error(craft("truncated", ok, 4)).contains("outside the 4 data bytes"));
        assertTrue(error(craft("span", ok.replace("[2]", "[3]"), 8)).contains("needs 12 bytes but data_offsets span 8"));
        assertTrue(error(craft("negative", ok.replace("[2]", "[-2]"), 8)).contains("non-negative"));
        assertTrue(error(craft("overflow", ok.replace("[2]", "[2147483647,2147483647,2147483647]"), 8))
                .contains("more elements than a Java array holds"));
        assertTrue(error(craft("backwards", ok.replace("[0,8]", "[8,0]"), 8)).contains("outside"));
        assertTrue(error(craft("offsets", ok.replace("[0,8]", "[0]"), 8)).contains("'data_offsets' must be [begin, end]"));
        String overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertTrue(error(craft("overlap", overlap, 12)).contains("overlap"));
        assertTrue(error(craft("metadata", "{\"__metadata__\":{\"k\":1}}", 0)).contains("must be a string"));
    }

    @Test
    void rejectsAnIndexPointingOutsideItsDirectory() throws IOException {
        Files.writeString(dir.resolve(Safetensors.INDEX_FILE), "{\"weight_map\": {\"w\": \"../evil.safetensors\"}}");
        String m = assertThrows(UserInputException.class, () -> Safetensors.readModel(dir)).getMessage();
        assertTrue(m.contains("must be a file name"), m);
        Path empty = Files.createDirectory(dir.resolve("empty"));
        m = assertThrows(UserInputException.class, () -> Safetensors.readModel(empty)).getMessage();
        assertTrue(m.contains("neither model.safetensors nor"), m);
    }
}
