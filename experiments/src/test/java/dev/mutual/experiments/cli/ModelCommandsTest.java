package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** generate, score, convert and bench through the real CLI on stories260K (llama2.c's greedy text as reference). */
class ModelCommandsTest {
    static final Path TOK512 = Path.of("../samples/tok512.bin");

    /** stories260K.bin from ../shared/data; the calling test is skipped without it. */
    static Path stories() {
        return assumeShared("models/stories260K/stories260K.bin");
    }

    /** llama2.c run.c greedy from BOS, 40 tokens (shared/data/models/stories260K/SOURCE.md). */
    static final String GREEDY_40 = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
            + "One day, she saw a big, r";

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = MutualCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void generatePrintsOnlyTheContinuationFromBinAndConvertedDirectory() {
        Run bin = run("generate", "--model", stories().toString(), "--tokenizer",
                TOK512.toString(), "--prompt", "", "--max-new-tokens", "40");
        assertEquals(0, bin.code(), bin.err());
        assertEquals(GREEDY_40 + System.lineSeparator(), bin.out());

        Path hf = dir.resolve("stories-hf");
        Run conv = run("convert", "--llama2c", stories().toString(), "--tokenizer",
                TOK512.toString(), "--output", hf.toString());
        assertEquals(0, conv.code(), conv.err());
        assertTrue(Files.exists(hf.resolve("config.json")) && Files.exists(hf.resolve("model.safetensors"))
                && Files.exists(hf.resolve("generation_config.json")) && Files.exists(hf.resolve("tok512.bin")));

        Run fromDir = run("generate", "--model", hf.toString(), "--prompt", "", "--max-new-tokens", "40");
        assertEquals(0, fromDir.code(), fromDir.err());
        assertEquals(bin.out(), fromDir.out());

        // With a prompt: encoded as run.c does, so the greedy story continues after "Once upon a time"
        Run prompted = run("generate", "--model", hf.toString(), "--prompt", "Once upon a time", "--max-new-tokens", "36", "--kernels", "vector");
        assertEquals(GREEDY_40.substring("Once upon a time".length()) + System.lineSeparator(), prompted.out());
    }

    @Test
    void convertWritesShardsThatGenerateTheSameStory() throws IOException {
        Path hf = dir.resolve("stories-sharded");
        Run conv = run("convert", "--llama2c", stories().toString(), "--tokenizer",
                TOK512.toString(), "--output", hf.toString(), "--max-shard-size", "100KB");
        assertEquals(0, conv.code(), conv.err());
        // 1 MB of weights in 100 KB shards: tools/check_sharded_save.py found transformers writes the same 11 files
        assertTrue(Files.exists(hf.resolve("model-00011-of-00011.safetensors")) && Files.exists(hf.resolve("model.safetensors.index.json")));
        assertFalse(Files.exists(hf.resolve("model.safetensors")));
        Run fromShards = run("generate", "--model", hf.toString(), "--prompt", "", "--max-new-tokens", "40");
        assertEquals(GREEDY_40 + System.lineSeparator(), fromShards.out());

        Run bad = run("convert", "--llama2c", stories().toString(), "--output", hf.toString(),
                "--max-shard-size", "5GiB");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--max-shard-size") && bad.err().contains("5GiB"), bad.err());
    }

    @Test
    void chatWrapsThePromptInTheTemplate() {
        String bin = stories().toString(), tok = TOK512.toString();
        // llama2.c's tokenizer has no chat_template of its own
        Run r = run("generate", "--model", bin, "--tokenizer", tok, "--prompt", "Hi", "--chat");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("chat_template"), r.err());
        // alpaca renders "<s>Below is an instruction ...### Response:\n": a different prompt, so a different greedy text
        Run chat = run("generate", "--model", bin, "--tokenizer", tok, "--prompt", "Once upon a time", "--chat",
                "--chat-template", "alpaca", "--max-new-tokens", "20");
        Run plain = run("generate", "--model", bin, "--tokenizer", tok, "--prompt", "Once upon a time", "--max-new-tokens", "20");
        assertEquals(0, chat.code(), chat.err());
        assertFalse(chat.out().isBlank());
        assertFalse(chat.out().equals(plain.out()));
    }

    @Test
    void generateWithAnHfTokenizerOnARandomMistral() throws IOException {
        // A random tiny Mistral whose vocabulary is the real Mistral tokenizer's (32768 ids), saved as an HF directory.
        Path tokenizer = Path.of("../data/src/test/resources/tokenizers/mistral/tokenizer.json.gz");
        var config = new dev.mutual.trainer.model.ModelConfig("mistral", 16, 32, 1, 2, 1, 8, 32768, 64, 1e-5, 10000.0, null,
                false, false, 4, 1, 2);
        Path model = dir.resolve("mistral-random");
        dev.mutual.trainer.checkpoint.HfCheckpoint.save(model, BenchScoreCommand.randomWeights(config, 3), List.of());
        Run vector = run("generate", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--prompt", "Hello world",
                "--max-new-tokens", "6", "--kernels", "vector");
        Run scalar = run("generate", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--prompt", "Hello world",
                "--max-new-tokens", "6", "--kernels", "scalar");
        assertEquals(0, vector.code(), vector.err());
        assertFalse(vector.out().isBlank());
        assertEquals(scalar.out(), vector.out());
        // a tokenizer larger than the model's vocabulary is a mismatch, reported as bad input
        Path small = dir.resolve("mistral-small-vocab");
        var smallConfig = new dev.mutual.trainer.model.ModelConfig("mistral", 16, 32, 1, 2, 1, 8, 1000, 64, 1e-5, 10000.0, null,
                false, false, 4, 1, 2);
        dev.mutual.trainer.checkpoint.HfCheckpoint.save(small, BenchScoreCommand.randomWeights(smallConfig, 3), List.of());
        Run r = run("generate", "--model", small.toString(), "--tokenizer", tokenizer.toString(), "--prompt", "Hello world");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("vocab_size is 1000"), r.err());
    }

    @Test
    void generateWithoutTokenizerOrWithBadOptionsIsBadInput() {
        Run r = run("generate", "--model", stories().toString(), "--prompt", "Hi");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--tokenizer"), r.err());
        r = run("generate", "--model", stories().toString(), "--tokenizer",
                TOK512.toString(), "--prompt", "Hi", "--top-p", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("top-p"), r.err());
        r = run("generate", "--model", dir.resolve("nothing").toString(), "--prompt", "Hi");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no such file"), r.err());
    }

    @Test
    void scoreWritesPerTokenLogprobsForTextAndIdLines() throws IOException {
        Path in = dir.resolve("pairs.jsonl"), out = dir.resolve("scores.jsonl");
        // The id line holds what llama2.c's encoder gives: prompt ids, then the rest of encode(prompt + target).
        int[] prompt, whole;
        try (var tok = dev.mutual.data.tokenizer.Llama2cTokenizer.load(TOK512)) {
            prompt = tok.encode("Once upon a time", true);
            whole = tok.encode("Once upon a time, there was a little girl", true);
        }
        String promptIds = java.util.Arrays.toString(prompt);
        String targetIds = java.util.Arrays.toString(java.util.Arrays.copyOfRange(whole, prompt.length, whole.length));
        Files.writeString(in, String.join("\n",
                "{\"id\": \"a\", \"prompt\": \"Once upon a time\", \"target\": \", there was a little girl\"}",
                "{\"prompt_ids\": " + promptIds + ", \"target_ids\": " + targetIds + "}",
                "{\"prompt\": \"\", \"target\": \"Once upon a time\"}",
                "{\"prompt_ids\": [], \"target_ids\": [403, 407, 261, 378]}", ""));
        Run r = run("score", "--model", stories().toString(), "--tokenizer",
                TOK512.toString(), "--input", in.toString(), "--output", out.toString(), "--batch-size", "3");
        assertEquals(0, r.code(), r.err());
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> rows = Files.readAllLines(out).stream().map(l -> {
            try {
                return json.readTree(l);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).toList();
        assertEquals(4, rows.size());
        assertEquals("a", rows.get(0).get("id").asText());
        for (JsonNode row : rows) {
            double sum = 0;
            for (JsonNode v : row.get("token_logprobs")) sum += v.doubleValue();
            assertEquals(sum, row.get("sum_logprob").doubleValue(), 1e-9);
            assertEquals(sum / row.get("num_tokens").intValue(), row.get("mean_logprob").doubleValue(), 1e-9);
            assertTrue(sum < 0);
        }
        assertEquals("[1, 403, 407, 261, 378]", promptIds);
        assertEquals(whole.length - prompt.length, rows.get(0).get("num_tokens").intValue());
        assertEquals(rows.get(1).get("sum_logprob").doubleValue(), rows.get(0).get("sum_logprob").doubleValue(), 1e-9);
        // empty prompt = BOS only, as prompt_ids []
        assertEquals(rows.get(3).get("sum_logprob").doubleValue(), rows.get(2).get("sum_logprob").doubleValue(), 1e-9);
    }

    @Test
    void scoreRejectsBadLinesByFileAndLineWithoutWritingOutput() throws IOException {
        Path in = dir.resolve("bad.jsonl"), out = dir.resolve("scores.jsonl");
        Files.writeString(in, "{\"prompt\": \"a\", \"target\": \"b\"}\n{\"prompt\": \"a\", \"answer\": \"b\"}\n");
        Run r = run("score", "--model", stories().toString(), "--tokenizer",
                TOK512.toString(), "--input", in.toString(), "--output", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(in + " line 2") && r.err().contains("'target'"), r.err());
        Files.writeString(in, "{\"prompt_ids\": [1], \"target_ids\": [5, 9999]}\n");
        r = run("score", "--model", stories().toString(), "--input", in.toString(), "--output", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("line 1") && r.err().contains("9999") && r.err().contains("0..511"), r.err());
        Files.writeString(in, "not json\n");
        r = run("score", "--model", stories().toString(), "--input", in.toString(), "--output", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("line 1: not valid JSON"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void benchScoreGivesTheSameScoresAtEveryBatchSize() throws IOException {
        Run r = run("bench", "score", "--dim", "32", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--ffn", "48",
                "--vocab", "100", "--seq", "12", "--sequences", "5", "--batch", "1,4", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length);
        ObjectMapper json = new ObjectMapper();
        JsonNode a = json.readTree(lines[0]), b = json.readTree(lines[1]);
        assertEquals(a.get("mean_logprob").doubleValue(), b.get("mean_logprob").doubleValue(), 1e-9);
        assertEquals(60, a.get("tokens").intValue());
        assertTrue(a.get("peak_rss_mb").intValue() > 0);
    }
}
