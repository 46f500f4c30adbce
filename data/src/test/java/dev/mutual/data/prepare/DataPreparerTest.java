package dev.mutual.data.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;
import dev.mutual.data.read.DataReader;
import dev.mutual.data.read.Format;
import dev.mutual.data.read.ReadResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Dolly open_qa seed through every stage. Expected numbers come from an independent Python pass over the same
 * file (exact keys after NFC, lower-casing and whitespace splitting; exact 5-shingle Jaccard of all pairs; 13-gram
 * and whole-short-prompt overlap with the seven eval sets):
 * 4 exact duplicates; 2 pairs with Jaccard >= 0.8 (0.943 and 0.912; the next is 0.688); 4 eval overlaps.
 */
class DataPreparerTest {
    static final List<String> EVAL_FILES = List.of("ifeval/input_data.jsonl", "alpaca_eval/alpaca_eval_805_prompts.jsonl",
            "mt_bench/question.jsonl", "vicuna_bench/question.jsonl", "gsm8k/test.jsonl", "strategyqa/test.jsonl",
            "self_instruct_user_oriented/user_oriented_instructions.jsonl");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path out;

    @Test
    void dollyOpenQaEndToEnd() throws IOException {
        Path dolly = assumeShared("seed/dolly_open_qa/dolly_open_qa.jsonl");
        List<PrepareConfig.EvalSet> evalSets = new ArrayList<>();
        for (String f : EVAL_FILES) evalSets.add(new PrepareConfig.EvalSet(null, assumeShared(f)));
        PrepareConfig config = PrepareConfig.defaults(List.of(PrepareConfig.Source.of(dolly)), evalSets);

        PrepareStats stats = DataPreparer.prepare(config, out, null);

        assertEquals(List.of("read", "normalize", "exact_dedup", "near_dedup", "decontaminate"),
                stats.stages().stream().map(StageStats::stage).toList());
        assertEquals(3742, stats.stage("read").out());
        assertEquals(0, stats.stage("normalize").dropped());
        assertEquals(Map.of("exact duplicate", 4L), stats.stage("exact_dedup").droppedByReason());
        assertEquals(Map.of("near duplicate", 2L), stats.stage("near_dedup").droppedByReason());
        assertEquals(Map.of("overlap with alpaca_eval", 3L, "overlap with ifeval", 1L), stats.stage("decontaminate").droppedByReason());
        StageStats decon = stats.stage("decontaminate");
        assertEquals(List.of("ifeval", "alpaca_eval", "mt_bench", "vicuna_bench", "gsm8k", "strategyqa", "self_instruct_user_oriented"),
                List.copyOf(decon.evalSetHits().keySet()));
        assertEquals(3L, decon.evalSetHits().get("alpaca_eval"));
        assertEquals(1L, decon.evalSetHits().get("ifeval"));
        assertEquals(0L, decon.evalSetHits().get("gsm8k"));
        assertEquals(3732, stats.kept());
        assertEquals(10, stats.dropped());

        List<JsonNode> dropped = lines(out.resolve("dropped.jsonl"));
        assertEquals(List.of("dolly_open_qa_1624", "dolly_open_qa_2029", "dolly_open_qa_2425", "dolly_open_qa_3363",
                        "dolly_open_qa_1516", "dolly_open_qa_3276",
                        "dolly_open_qa_317", "dolly_open_qa_1043", "dolly_open_qa_1113", "dolly_open_qa_1224"),
                dropped.stream().map(d -> d.get("id").asText()).toList());
        JsonNode flagged = dropped.get(6); // the item the data itself flags eval_overlap: true
        assertEquals("decontaminate", flagged.get("stage").asText());
        assertEquals("alpaca_eval", flagged.get("eval_set").asText());
        assertEquals("what is the meaning of life", flagged.get("ngram").asText());
        assertEquals("instruction", flagged.get("field").asText());
        assertEquals("same text as dolly_open_qa_1219", dropped.get(0).get("detail").asText());
        assertTrue(dropped.get(4).get("detail").asText().startsWith("of dolly_open_qa_312 (estimated Jaccard "));

        List<JsonNode> kept = lines(out.resolve("data.jsonl"));
        assertEquals(3732, kept.size());
        assertEquals("dolly_open_qa_0", kept.get(0).get("id").asText());
        assertEquals(1, kept.get(0).get("source_line").asLong());

        JsonNode statsJson = JSON.readTree(out.resolve("stats.json").toFile());
        assertEquals(3732, statsJson.get("kept").asLong());
        JsonNode readStats = statsJson.get("stages").get(0);
        assertEquals(3742, readStats.get("response_chars").get("count").asLong());
        assertEquals(7662, readStats.get("response_chars").get("max").asLong()); // SOURCE.md: max response 7,662 chars
        assertEquals("dolly", statsJson.get("sources").get(0).get("format").asText());
        assertEquals(dolly.toString(), statsJson.at("/config/sources/0/path").asText());
        assertEquals(13, statsJson.at("/config/decontamination/ngram").asInt());
        assertEquals("ifeval", statsJson.at("/config/decontamination/eval_sets/0/name").asText());
        assertEquals(0.8, statsJson.at("/config/near_dedup/threshold").asDouble());
        try (var files = Files.list(out)) {
            assertEquals(List.of("data.jsonl", "dropped.jsonl", "stats.json"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }

        // The output reads back, with the original file and line as provenance.
        ReadResult back = DataReader.read(out.resolve("data.jsonl"), DataReader.Options.defaults());
        assertEquals(Format.PREPARED, back.format());
        assertEquals(3732, back.examples().size());
        assertEquals(dolly.toString(), back.examples().get(0).sourceFile());
        assertEquals(1, back.examples().get(0).line());
    }

    @Test
    void tokenBoundsNeedATokenCounterAndUseIt() throws IOException {
        Path file = out.resolve("in.jsonl");
        Files.writeString(file, """
                {"text": "one two three"}
                {"text": "one two three four five six"}
                {"text": "One  two three"}
                """);
        PrepareConfig config = new PrepareConfig(List.of(PrepareConfig.Source.of(file)), true, null, null, 2, 4, true,
                new PrepareConfig.NearDedup(false, 5, 128, 0.8, 1), PrepareConfig.Decontamination.disabled());
        UserInputException e = assertThrows(UserInputException.class, () -> DataPreparer.prepare(config, out.resolve("o"), null));
        assertTrue(e.getMessage().startsWith("data.min_tokens / data.max_tokens are set (2 / 4) but no tokenizer"), e.getMessage());

        PrepareStats stats = DataPreparer.prepare(config, out.resolve("o"), s -> s.split(" ").length);
        assertEquals(Map.of("response longer than max_tokens", 1L), stats.stage("length_filter").droppedByReason());
        assertEquals(Map.of("exact duplicate", 1L), stats.stage("exact_dedup").droppedByReason());
        assertEquals(1, stats.kept());
        assertEquals(List.of("read", "normalize", "length_filter", "exact_dedup"), stats.stages().stream().map(StageStats::stage).toList());
    }

    @Test
    void pairsAndUnlabelledItemsRoundTripThroughThePreparedFormat() throws IOException {
        Path pairs = out.resolve("lima-like.json");
        Files.writeString(pairs, "[{\"instruction\": \"Hi?\", \"input\": \"ctx\", \"output\": \"Hello.\",\n  \"history\": [[\"First?\", \"Yes.\"]]}]");
        Path pool = out.resolve("pool.jsonl");
        Files.writeString(pool, "{\"id\": \"r1\", \"response\": \"A reply.\", \"gold_instruction\": \"Ask.\"}\n{\"id\": \"r2\", \"response\": \"Another.\", \"gold_instruction\": null}\n");
        PrepareConfig config = PrepareConfig.defaults(List.of(PrepareConfig.Source.of(pairs), PrepareConfig.Source.of(pool)), List.of());
        DataPreparer.prepare(config, out.resolve("o"), null);
        List<dev.mutual.data.Example> back = DataReader.read(out.resolve("o/data.jsonl"), DataReader.Options.defaults()).examples();
        assertEquals(3, back.size());
        assertEquals("First?", back.get(0).instruction());
        assertEquals(4, back.get(0).turns().size());
        assertEquals(new dev.mutual.data.Example.Turn("user", "Hi?\n\nctx"), back.get(0).turns().get(2));
        assertEquals(pairs.toString(), back.get(0).sourceFile());
        assertEquals("Ask.", back.get(1).goldInstruction());
        assertEquals(null, back.get(2).goldInstruction());
        assertEquals(2, back.get(2).line());
        assertEquals("r2", back.get(2).id());
    }

    @Test
    void badConfigValuesNameTheirKey() {
        assertEquals("data.min_chars (10) is above data.max_chars (5)", assertThrows(UserInputException.class,
                () -> new PrepareConfig(List.of(PrepareConfig.Source.of(Path.of("x"))), true, 10, 5, null, null, true, null, null)).getMessage());
        assertEquals("data.near_dedup.threshold: expected a Jaccard similarity in (0, 1), found 1.5",
                assertThrows(UserInputException.class, () -> new PrepareConfig.NearDedup(true, 5, 128, 1.5, 1)).getMessage());
        assertEquals("data.sources: expected at least one data file, found none", assertThrows(UserInputException.class,
                () -> PrepareConfig.defaults(List.of(), List.of())).getMessage());
        assertTrue(assertThrows(UserInputException.class, () -> new PrepareConfig.Source(Path.of("x"), "csv", false, null, false))
                .getMessage().startsWith("unknown data format 'csv' (expected one of: prepared, oasst, sharegpt"));
    }

    static List<JsonNode> lines(Path file) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : Files.readAllLines(file)) nodes.add(JSON.readTree(line));
        return nodes;
    }
}
