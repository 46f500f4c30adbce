package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mutual data prepare} and {@code mutual data inspect} through the real command line. */
class DataCommandsTest {

    @TempDir
    Path tmp;

    /** llama2.c's tokenizer of stories260K; token counts below are tools/llama2c_reference.py's, less the BOS. */
    static final String TOK512 = "../samples/tok512.bin";
    static final String LILY = "Once upon a time, there was a little girl named Lily.";  // 15 tokens
    static final String TIM = "Tim said, \"I can't go!\" (maybe?)";                      // 21 tokens

    /** The Dolly open_qa seed file in ../shared/data; the calling test is skipped without it. */
    static String dolly() {
        return assumeShared("seed/dolly_open_qa/dolly_open_qa.jsonl").toString();
    }

    /** Alpaca records: Lily/"Hello world" (15/6 tokens), Lily/"a" (15/1), Tim/"Hello world" (21/6). */
    static Path tokenBoundsInput(Path dir) throws IOException {
        Path file = dir.resolve("tokens.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"instruction\": \"" + LILY + "\", \"input\": \"\", \"output\": \"Hello world\"}",
                "{\"instruction\": \"" + LILY + "\", \"input\": \"\", \"output\": \"a\"}",
                "{\"instruction\": \"" + TIM.replace("\"", "\\\"") + "\", \"input\": \"\", \"output\": \"Hello world\"}") + "\n");
        return file;
    }

    @Test
    void prepareFiltersByTokensOfTheLlama2cTokenizer() throws IOException {
        Path dir = tmp.resolve("tokens");
        CliRun r = CliRun.of("data", "prepare", "--input", tokenBoundsInput(tmp).toString(), "--output", dir.toString(), "--format", "alpaca",
                "--no-dedup", "--no-decontaminate", "--tokenizer", TOK512, "--min-tokens", "2", "--max-tokens", "15");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("kept 1, dropped 2"), r.out());
        List<String> kept = Files.readAllLines(dir.resolve("data.jsonl"));
        assertEquals(1, kept.size());
        assertTrue(kept.get(0).contains("\"response\":\"Hello world\""), kept.get(0));
        List<JsonNode> dropped = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("dropped.jsonl"))) dropped.add(new ObjectMapper().readTree(line));
        assertEquals(List.of("response shorter than min_tokens", "instruction longer than max_tokens"),
                dropped.stream().map(d -> d.get("reason").asText()).toList());
        assertEquals(List.of("1 tokens < 2", "21 tokens > 15"), dropped.stream().map(d -> d.get("detail").asText()).toList());

        CliRun missing = CliRun.of("data", "prepare", "--input", tokenBoundsInput(tmp).toString(), "--output", dir.toString(), "--max-tokens", "15");
        assertEquals(2, missing.code());
        assertEquals("error: --min-tokens / --max-tokens need a tokenizer to count tokens: expected --tokenizer PATH, found none\n", missing.err());
    }

    /** The "must show": the Dolly file, format detected, default eval sets from ../shared/data. */
    @Test
    void prepareDollyWritesDedupedDecontaminatedDataAndStats() throws IOException {
        for (String f : DataPrepareCommand.DEFAULT_EVAL_SETS) assumeShared(f);
        Path dir = tmp.resolve("dolly");
        CliRun r = CliRun.of("data", "prepare", "--input", dolly(), "--output", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("decontamination: against 7 eval sets found under "), r.out());
        assertTrue(r.out().contains("ifeval, alpaca_eval, mt_bench, vicuna_bench, gsm8k, strategyqa, self_instruct_user_oriented"), r.out());
        assertTrue(r.out().contains("kept 3732, dropped 10"), r.out());

        JsonNode stats = new ObjectMapper().readTree(dir.resolve("stats.json").toFile());
        assertEquals("dolly", stats.at("/sources/0/format").asText());
        JsonNode stages = stats.get("stages");
        assertEquals(List.of("read", "normalize", "exact_dedup", "near_dedup", "decontaminate"),
                List.of(stages.get(0).get("stage").asText(), stages.get(1).get("stage").asText(), stages.get(2).get("stage").asText(),
                        stages.get(3).get("stage").asText(), stages.get(4).get("stage").asText()));
        assertEquals(4, stages.get(2).at("/dropped_by_reason/exact duplicate").asLong());
        assertEquals(2, stages.get(3).at("/dropped_by_reason/near duplicate").asLong());
        assertEquals(3, stages.get(4).at("/eval_set_hits/alpaca_eval").asLong());
        assertEquals(1, stages.get(4).at("/eval_set_hits/ifeval").asLong());
        assertEquals("shingle_size=5 num_perm=128 threshold=0.8 seed=1 bands=9 rows=13", stages.get(3).get("settings").asText());
        assertEquals(3732, Files.readAllLines(dir.resolve("data.jsonl")).size());
        assertEquals(10, Files.readAllLines(dir.resolve("dropped.jsonl")).size());
    }

    @Test
    void namedEvalSetsAndOptionsAreUsed() throws IOException {
        Path dir = tmp.resolve("named");
        CliRun r = CliRun.of("data", "prepare", "--input", dolly(), "--output", dir.toString(), "--no-dedup", "--limit", "400",
                "--decontaminate-against", "ae=" + assumeShared("alpaca_eval/alpaca_eval_805_prompts.jsonl"), "--max-chars", "1000");
        assertEquals(0, r.code(), r.err());
        JsonNode stats = new ObjectMapper().readTree(dir.resolve("stats.json").toFile());
        assertEquals(400, stats.at("/stages/0/out").asLong());
        assertEquals("length_filter", stats.at("/stages/2/stage").asText());
        assertEquals("decontaminate", stats.at("/stages/3/stage").asText());
        assertEquals(1, stats.at("/stages/3/eval_set_hits/ae").asLong()); // dolly_open_qa_317, within the first 400
    }

    @Test
    void badInputExitsWithCode2AndNamesFileAndLine() throws IOException {
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"instruction\": \"a\", \"response\": \"b\"}\n{\"instruction\": \"c\"}\n");
        Path dir = tmp.resolve("out");
        CliRun r = CliRun.of("data", "prepare", "--input", bad.toString(), "--output", dir.toString(), "--no-decontaminate");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: " + bad + ":2: missing field 'response' (expected a non-empty string, found no such key; keys: [instruction])"), r.err());
        assertFalse(Files.exists(dir)); // nothing half-written

        CliRun skipped = CliRun.of("data", "prepare", "--input", bad.toString(), "--output", dir.toString(), "--no-decontaminate", "--skip-invalid");
        assertEquals(0, skipped.code(), skipped.err());
        assertTrue(skipped.out().contains("skipped 1 invalid {missing field 'response'=1}"), skipped.out());

        CliRun format = CliRun.of("data", "prepare", "--input", bad.toString(), "--output", dir.toString(), "--format", "csv");
        assertEquals(2, format.code());
        assertTrue(format.err().contains("unknown data format 'csv' (expected one of: prepared, oasst, sharegpt"), format.err());
    }

    @Test
    void inspectShowsFormatCountsAndExamples() throws IOException {
        CliRun r = CliRun.of("data", "inspect", dolly(), "-n", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("format:   dolly (detected)"), r.out());
        assertTrue(r.out().contains("records:  3742"), r.out());
        assertTrue(r.out().contains("examples: 3742 (3742 pairs, 0 unlabelled; 0 with a gold instruction; 0 multi-turn)"), r.out());
        assertTrue(r.out().contains("[1] id dolly_open_qa_0 (line 1)\n  instruction: Why can camels survive for long without water?"), r.out());
        assertFalse(r.out().contains("[2]"));

        Path bad = tmp.resolve("mixed.jsonl");
        Files.writeString(bad, "{\"text\": \"fine\"}\n{\"text\": 3}\nnot json\n");
        CliRun b = CliRun.of("data", "inspect", bad.toString());
        assertEquals(0, b.code(), b.err());
        assertTrue(b.out().contains("invalid:  2 {field 'text' is not a string=1, malformed JSON=1}"), b.out());
        assertTrue(b.out().contains(bad + ":3: malformed JSON"), b.out());

        CliRun e = CliRun.of("data", "inspect", "--eval", assumeShared("mt_bench/question.jsonl").toString(), "-n", "2");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("eval set: mt_bench, 160 prompts"), e.out());
        assertTrue(e.out().contains("[2] id 81/turn2"), e.out());
    }
}
