package dev.mutual.eval.ifeval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.report.EvalSample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.*;

/** Reading prompts and responses (and their errors), and the files an IFEval run writes. */
class IfevalFilesTest {

    @Test
    void bundledPromptsAreTheSharedBenchmarkFile() throws Exception {
        List<IfevalPrompt> prompts = IfevalPrompts.bundled();
        assertEquals(541, prompts.size());
        assertEquals(1000, prompts.get(0).key());
        assertEquals(List.of("punctuation:no_comma", "detectable_format:number_highlighted_sections",
                "length_constraints:number_words"), prompts.get(0).instructionIds());
        assertEquals(new Instruction.NumberOfWords(300, Instruction.Relation.AT_LEAST), prompts.get(0).instructions().get(2));
        Map<String, Long> perId = prompts.stream().flatMap(p -> p.instructionIds().stream())
                .collect(Collectors.groupingBy(id -> id, TreeMap::new, Collectors.counting()));
        assertEquals(25, perId.size(), "all 25 instruction types occur");
        assertEquals(834, perId.values().stream().mapToLong(Long::longValue).sum());
        assertEquals(66, perId.get("punctuation:no_comma"));
        assertEquals(52, perId.get("length_constraints:number_words"));
        // last, as it needs ../shared/data (the test is skipped here without it, after the checks above ran)
        byte[] shared = Files.readAllBytes(assumeShared("ifeval/input_data.jsonl"));
        try (InputStream in = IfevalPrompts.class.getResourceAsStream(IfevalPrompts.BUNDLED)) {
            assertArrayEquals(shared, in.readAllBytes());
        }
    }

    @Test
    void badPromptLinesNameFileLineAndKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prompts.jsonl");
        Files.writeString(file, "{\"key\": 1, \"prompt\": \"p\", \"instruction_id_list\": [\"punctuation:no_comma\"], \"kwargs\": [{}]}\n"
                + "{\"key\": 2, \"prompt\": \"q\", \"instruction_id_list\": [\"keywords:frequency\"], "
                + "\"kwargs\": [{\"keyword\": \"x\", \"frequency\": 2, \"relation\": \"at most\"}]}\n");
        UserInputException e = assertThrows(UserInputException.class, () -> IfevalPrompts.read(file));
        assertTrue(e.getMessage().startsWith(file + ":2 (key 2): instruction 0 'keywords:frequency': relation must be "
                + "'less than' or 'at least', found 'at most'"), e.getMessage());

        Files.writeString(file, "{\"key\": 3, \"prompt\": \"p\", \"instruction_id_list\": [\"detectable_format:title\"], "
                + "\"kwargs\": [{\"num_bullets\": 2}]}\n");
        e = assertThrows(UserInputException.class, () -> IfevalPrompts.read(file));
        assertTrue(e.getMessage().contains(":1 (key 3): instruction 0 'detectable_format:title': unexpected kwarg 'num_bullets'"), e.getMessage());

        Files.writeString(file, "{\"key\": 4, \"prompt\": \"p\", \"instruction_id_list\": [\"keywords:rhyme\"], \"kwargs\": [{}]}\n");
        e = assertThrows(UserInputException.class, () -> IfevalPrompts.read(file));
        assertTrue(e.getMessage().contains("'keywords:rhyme': unknown instruction id"), e.getMessage());

        Files.writeString(file, "{\"key\": 5, \"prompt\": \"p\", \"instruction_id_list\": [\"length_constraints:number_words\"], "
                + "\"kwargs\": [{\"num_words\": \"ten\", \"relation\": \"at least\"}]}\n");
        e = assertThrows(UserInputException.class, () -> IfevalPrompts.read(file));
        assertTrue(e.getMessage().contains("kwarg 'num_words' must be an integer, found \"ten\""), e.getMessage());
    }

    @Test
    void huggingFaceStyleKwargsWithNullsAreAccepted(@TempDir Path dir) throws Exception {
        // The Hugging Face copy of IFEval lists every kwarg of every checker, null where unused.
        Path file = dir.resolve("prompts.jsonl");
        Files.writeString(file, "{\"key\": 9, \"prompt\": \"p\", \"instruction_id_list\": [\"detectable_format:number_bullet_lists\"], "
                + "\"kwargs\": [{\"num_highlights\": null, \"relation\": null, \"num_bullets\": 4, \"keywords\": null}]}\n");
        List<IfevalPrompt> prompts = IfevalPrompts.read(file);
        assertEquals(List.of(new Instruction.NumberOfBullets(4)), prompts.get(0).instructions());
    }

    @Test
    void keywordThatIsNotARegexIsReportedAtLoadTime(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prompts.jsonl");
        Files.writeString(file, "{\"key\": 7, \"prompt\": \"p\", \"instruction_id_list\": [\"keywords:existence\"], "
                + "\"kwargs\": [{\"keywords\": [\"(unclosed\"]}]}\n");
        UserInputException e = assertThrows(UserInputException.class, () -> IfevalPrompts.read(file));
        assertTrue(e.getMessage().contains(":1 (key 7): instruction 0 'keywords:existence': kwarg 'keywords' is used as a "
                + "regular expression, as in the reference, and '(unclosed' is not one"), e.getMessage());
    }

    @Test
    void badResponseLinesNameFileAndLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("responses.jsonl");
        Files.writeString(file, "{\"prompt\": \"a\", \"response\": \"b\"}\n{\"prompt\": \"a\", \"output\": \"b\"}\n");
        UserInputException e = assertThrows(UserInputException.class, () -> IfevalResponses.read(file));
        assertEquals(file + ":2: expected string fields 'prompt' and 'response', found fields [prompt, output]", e.getMessage());
        e = assertThrows(UserInputException.class, () -> IfevalResponses.read(dir.resolve("missing.jsonl")));
        assertTrue(e.getMessage().contains("missing.jsonl: no such file"), e.getMessage());
    }

    @Test
    void responsesForAnotherBenchmarkAreRejected() {
        List<IfevalPrompt> prompts = IfevalPrompts.bundled();
        UserInputException e = assertThrows(UserInputException.class,
                () -> IfevalEvaluator.evaluate(prompts, Map.of("What is 2+2?", "4"), done -> {}));
        assertTrue(e.getMessage().startsWith("none of the 1 responses answers one of the 541 IFEval prompts"), e.getMessage());
    }

    @Test
    void runWritesReferenceFilesAndSharedFormat(@TempDir Path dir) throws Exception {
        List<IfevalPrompt> prompts = IfevalPrompts.bundled().subList(0, 3);
        // Echoing the prompt follows some instructions and not others; a response generator stands in for a model.
        Map<String, String> responses = IfevalEvaluator.generateResponses(prompts.subList(0, 2),
                (ps, settings) -> ps.stream().map(String::toUpperCase).toList(), IfevalEvaluator.GENERATION, done -> {});
        IfevalEvaluator.Run run = IfevalEvaluator.evaluate(prompts, responses, done -> {});
        assertEquals(List.of(prompts.get(2).key()), run.missingKeys());
        IfevalResultFiles.write(dir, run, new EvalResult.RunInfo("echo", "none", "test", "abc"), Map.of("note", "test"));

        try (var files = Files.list(dir)) {
            assertEquals(List.of("eval_results_loose.jsonl", "eval_results_strict.jsonl", "results.json", "samples.jsonl"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temp files are left behind");
        }
        List<String> strict = Files.readAllLines(dir.resolve("eval_results_strict.jsonl"));
        assertEquals(2, strict.size());
        JsonNode first = new ObjectMapper().readTree(strict.get(0));
        assertEquals(List.of("follow_all_instructions", "follow_instruction_list", "instruction_id_list", "prompt", "response"),
                iterable(first));
        IfevalVerdict v = run.verdicts().get(0);
        assertEquals(v.followsAllStrict(), first.get("follow_all_instructions").asBoolean());

        EvalResult result = EvalResultFiles.readResult(dir);
        assertEquals("ifeval", result.benchmark());
        assertEquals(2, result.n());
        assertEquals(run.accuracy().metrics(), result.metrics());
        assertEquals(List.of(prompts.get(2).key()), result.settings().get("missing_prompt_keys"));
        List<EvalSample> samples = EvalResultFiles.readSamples(dir);
        assertEquals(List.of("1000", "1001"), samples.stream().map(EvalSample::id).toList());
        double meanStrict = samples.stream().mapToDouble(s -> s.scores().get(IfevalAccuracy.PROMPT_STRICT)).average().orElseThrow();
        assertEquals(result.metrics().get(IfevalAccuracy.PROMPT_STRICT), meanStrict, 1e-12, "per-sample scores average to the metric");
        double followed = samples.stream().mapToDouble(s -> s.scores().get("inst_strict_followed")).sum();
        double total = samples.stream().mapToDouble(s -> s.scores().get("num_instructions")).sum();
        assertEquals(result.metrics().get(IfevalAccuracy.INSTRUCTION_STRICT), followed / total, 1e-12);
    }

    @Test
    void pythonJsonEscapesNonAsciiLikeJsonDumps() {
        // json.dumps("é\"\n😀\u007f") == '"\\u00e9\\"\\n\\ud83d\\ude00\\u007f"'
        assertEquals("\"\\u00e9\\\"\\n\\ud83d\\ude00\\u007f\"", IfevalResultFiles.pythonJsonString("é\"\n😀\u007f"));
    }

    private static List<String> iterable(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
