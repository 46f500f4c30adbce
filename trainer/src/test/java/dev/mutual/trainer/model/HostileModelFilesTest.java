package dev.mutual.trainer.model;

import dev.mutual.data.UserInputException;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.checkpoint.Llama2cCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model files are untrusted input: absurd sizes are refused before anything is allocated (before, a config.json with
 * num_hidden_layers 2000000000 or a 3 GB sparse llama2.c file ran out of memory with a stack trace), and values that
 * would make every output NaN (rope_theta 0, rms_norm_eps -1) are refused by key instead of generating nothing.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HostileModelFilesTest {
    @TempDir
    Path dir;

    /** A small valid LLaMA config.json with {@code extra} keys replacing or adding to it. */
    private Path config(String extra) throws IOException {
        String json = """
                {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 100, "max_position_embeddings": 256,
                 "rms_norm_eps": 1e-6, "rope_theta": 10000.0%s}""".formatted(extra);
        // Later duplicate keys win in Jackson's tree model, so extra keys override the defaults above.
        Path f = dir.resolve("config.json");
        Files.writeString(f, json);
        return f;
    }

    private String error(String extra) throws IOException {
        Path f = config(extra);
        return assertThrows(UserInputException.class, () -> HfConfigFile.read(f)).getMessage();
    }

    @Test
    void absurdSizesAreRefusedByKey() throws IOException {
        Path f = dir.resolve("config.json");
        assertEquals(f + ": num_hidden_layers must be an integer in 1.." + ModelConfig.MAX_LAYERS + ", found 2000000000",
                error(", \"num_hidden_layers\": 2000000000"));
        assertEquals(f + ": hidden_size must be an integer in 1.." + ModelConfig.MAX_WIDTH + ", found 0", error(", \"hidden_size\": 0"));
        assertEquals(f + ": max_position_embeddings must be an integer in 1.." + Integer.MAX_VALUE + ", found -5",
                error(", \"max_position_embeddings\": -5"));
        assertEquals(f + ": vocab_size × hidden_size (model.embed_tokens.weight) = 16000000 × 1024 = 16384000000 values, more than one"
                        + " weight tensor can hold (" + ModelConfig.MAX_TENSOR_VALUES + ")",
                error(", \"vocab_size\": 16000000, \"hidden_size\": 1024, \"head_dim\": 16"));
    }

    @Test
    void valuesThatWouldMakeEveryOutputNanAreRefusedByKey() throws IOException {
        Path f = dir.resolve("config.json");
        assertEquals(f + ": rope_theta must be a finite number > 0 (e.g. 10000), found 0.0", error(", \"rope_theta\": 0"));
        assertEquals(f + ": rms_norm_eps must be a finite number > 0 (e.g. 1e-6), found -1.0", error(", \"rms_norm_eps\": -1"));
        assertEquals(f + ": rms_norm_eps must be a finite number > 0 (e.g. 1e-6), found 0.0", error(", \"rms_norm_eps\": 0"));
        assertEquals(f + ": key 'rope_scaling': low_freq_factor and high_freq_factor must be finite with 0 < low_freq_factor < high_freq_factor,"
                + " found 4.0 and 4.0", error(", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8, \"low_freq_factor\": 4,"
                + " \"high_freq_factor\": 4, \"original_max_position_embeddings\": 64}"));
    }

    @Test
    void headsThatDoNotDivideHiddenSizeAreNamed() throws IOException {
        assertEquals(dir.resolve("config.json") + ": key 'num_attention_heads' is 12, which does not divide hidden_size 64"
                + " (expected a divisor of hidden_size, or an explicit head_dim)", error(", \"num_attention_heads\": 12"));
        // An explicit head_dim (as Gemma and Qwen3 have) is taken as given.
        assertEquals(16, HfConfigFile.read(config(", \"num_attention_heads\": 12, \"num_key_value_heads\": 4, \"head_dim\": 16")).headDim());
    }

    @Test
    void aConfigTooBigForTheHeapIsRefusedBeforeTheWeightsAreRead() throws IOException {
        Path f = config(", \"vocab_size\": 32000, \"hidden_size\": 16384, \"intermediate_size\": 65536, \"num_hidden_layers\": 100,"
                + " \"num_attention_heads\": 128, \"num_key_value_heads\": 128");
        long weights = HfConfigFile.read(f).parameterCount();
        assertEquals(430_548_598_784L, weights);
        String m = assertThrows(UserInputException.class, () -> HfCheckpoint.load(dir)).getMessage();
        assertTrue(m.startsWith(f + ": the " + weights + " fp32 weights its sizes imply need 1722.2 GB of heap, more than this JVM's "), m);
    }

    /** A llama2.c header of seven little-endian ints. */
    private static byte[] header(int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int seqLen) {
        ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {dim, hidden, layers, heads, kvHeads, vocab, seqLen}) b.putInt(v);
        return b.array();
    }

    private Path sparse(String name, byte[] header, long length) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(header);
            f.setLength(length);
        }
        return p;
    }

    @Test
    void aHugeSparseLlama2cFileIsCheckedAgainstItsLengthAndTheHeapBeforeReading() throws IOException {
        // 3 GB of zeros whose header does not match: refused from the header and the file length alone.
        Path wrong = sparse("wrong.bin", header(288, 768, 6, 6, 6, 32000, 256), 3L << 30);
        String m = assertThrows(UserInputException.class, () -> Llama2cCheckpoint.read(wrong)).getMessage();
        assertTrue(m.contains("file has " + (3L << 30) + " (truncated, or not a legacy llama2.c checkpoint)"), m);

        // A header that matches a 5.4 GB file: more weights than the test JVM's 2 GB heap.
        int dim = 4096, hidden = 11008, layers = 6, vocab = 32000, seq = 2048, hd = 128;
        long floats = (long) vocab * dim + layers * (2L * dim + 4L * dim * dim + 3L * hidden * dim) + dim + (long) seq * hd;
        Path big = sparse("big.bin", header(dim, hidden, layers, 32, 32, vocab, seq), 28 + 4 * floats);
        m = assertThrows(UserInputException.class, () -> Llama2cCheckpoint.read(big)).getMessage();
        assertTrue(m.startsWith(big + ": its " + floats + " fp32 weights need ") && m.contains("more than this JVM's"), m);
    }

    @Test
    void aLlama2cHeaderNamesTheFieldThatIsWrong() throws IOException {
        Path p = sparse("heads.bin", header(64, 128, 2, 12, 12, 100, 32), 1000);
        String m = assertThrows(UserInputException.class, () -> Llama2cCheckpoint.read(p)).getMessage();
        assertTrue(m.startsWith(p + ": implausible llama2.c header: n_heads 12 does not divide dim 64 (dim=64"), m);
        Path q = sparse("layers.bin", header(64, 128, 2_000_000_000, 4, 4, 100, 32), 1000);
        m = assertThrows(UserInputException.class, () -> Llama2cCheckpoint.read(q)).getMessage();
        assertTrue(m.startsWith(q + ": implausible llama2.c header: n_layers 2000000000 is outside 1..1024"), m);
    }
}
