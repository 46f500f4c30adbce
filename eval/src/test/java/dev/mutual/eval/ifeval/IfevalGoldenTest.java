package dev.mutual.eval.ifeval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Our verdicts against the golden verdicts of google-research's Python checker on GPT-4's responses
 * ({@code shared/data/ifeval/reference_outputs}, 242 prompts with even keys, 540 prompts in the full run).
 */
class IfevalGoldenTest {
    static final Path DATA = Path.of("../../shared/data/ifeval");

    /**
     * Instruction verdicts (prompt key, mode, instruction index) where this port disagrees with the reference, and
     * why. Each entry is asserted, so a fix or a new difference fails the test.
     */
    static final Map<String, String> KNOWN_DIFFERENCES = new TreeMap<>(Map.of(
            // letter '#' (at least 4; the response has 4). The golden run's LetterFrequencyChecker replaced any
            // letter outside a-z with a random ASCII letter (random.choice(string.ascii_letters)), so its verdict is
            // random: False in its strict run, True in its loose run. google-research's current code counts the
            // given character, as this port does: True in both modes.
            "1122 strict 1 keywords:letter_frequency", "reference false, ours true"
    ));

    /** Golden rows of each mode, and our verdict on each row's prompt and response. */
    static final Map<String, List<JsonNode>> golden = new HashMap<>();
    static final Map<String, IfevalVerdict> ours = new HashMap<>();

    /** Scores the golden rows for the first test; every test is skipped (and counted) without the shared files. */
    @BeforeEach
    void scoreGoldenRows() throws IOException {
        assumeShared("ifeval/reference_outputs");
        if (!golden.isEmpty()) return;
        Map<String, IfevalPrompt> byPrompt = new HashMap<>();
        for (IfevalPrompt p : IfevalPrompts.bundled()) byPrompt.put(p.prompt(), p);
        for (String mode : List.of("strict", "loose")) {
            List<JsonNode> rows = new ArrayList<>();
            for (String line : Files.readAllLines(DATA.resolve("reference_outputs/eval_results_" + mode + ".jsonl"))) {
                JsonNode row = new ObjectMapper().readTree(line);
                rows.add(row);
                String prompt = row.get("prompt").asText();
                ours.computeIfAbsent(prompt, p -> IfevalScorer.score(byPrompt.get(p), row.get("response").asText()));
            }
            golden.put(mode, rows);
        }
    }

    @Test
    void verdictsAgreeWithReferenceOnEveryGoldenInstruction() {
        Map<String, String> differences = new TreeMap<>();
        int checked = 0;
        for (String mode : List.of("strict", "loose")) {
            for (JsonNode row : golden.get(mode)) {
                IfevalVerdict v = ours.get(row.get("prompt").asText());
                List<String> ids = new ArrayList<>();
                row.get("instruction_id_list").forEach(id -> ids.add(id.asText()));
                assertEquals(ids, v.prompt().instructionIds());
                List<Boolean> verdicts = v.verdicts(mode.equals("strict"));
                for (int i = 0; i < verdicts.size(); i++) {
                    checked++;
                    boolean expected = row.get("follow_instruction_list").get(i).asBoolean();
                    if (verdicts.get(i) != expected) {
                        differences.put(v.prompt().key() + " " + mode + " " + i + " " + v.prompt().instructionIds().get(i),
                                "reference " + expected + ", ours " + verdicts.get(i));
                    }
                }
            }
        }
        assertEquals(762, checked, "instructions checked in both modes");
        assertEquals(KNOWN_DIFFERENCES, differences);
    }

    /** Where the verdicts agree, our result lines are byte-for-byte the reference's (Python json.dumps format). */
    @Test
    void resultLinesAreByteIdenticalToReference() throws IOException {
        for (String mode : List.of("strict", "loose")) {
            List<String> differing = new ArrayList<>();
            List<String> lines = Files.readAllLines(DATA.resolve("reference_outputs/eval_results_" + mode + ".jsonl"));
            for (String line : lines) {
                IfevalVerdict v = ours.get(new ObjectMapper().readTree(line).get("prompt").asText());
                if (!IfevalResultFiles.referenceLine(v, mode.equals("strict")).equals(line)) differing.add(String.valueOf(v.prompt().key()));
            }
            assertEquals(242, lines.size());
            assertEquals(mode.equals("strict") ? List.of("1122") : List.of(), differing, mode + ": only the known difference");
        }
    }
}
