package dev.mutual.eval.likelihood;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MultipleChoiceVerdictTest {

    private static MultipleChoiceItem item(int gold, String... choices) {
        return new MultipleChoiceItem("x", "q", List.of(choices), gold);
    }

    @Test
    void accPicksTheLikeliestAccNormTheLikeliestPerCharacter() {
        // -3/3 = -1.00 for "cat", -6/8 = -0.75 for "elephant": raw picks cat, normalised picks elephant
        MultipleChoiceVerdict v = MultipleChoiceVerdict.of(item(1, "cat", "elephant"), new double[] {-3.0, -6.0});
        assertEquals(new MultipleChoiceVerdict(0, 1, 0.0, 1.0), v);
    }

    @Test
    void tiesGoToTheFirstChoiceLikeNumpyArgmax() {
        assertEquals(new MultipleChoiceVerdict(0, 0, 0.0, 0.0), MultipleChoiceVerdict.of(item(1, "ab", "cd"), new double[] {-2, -2}));
    }

    @Test
    void lengthIsCharactersNotBytesNorUtf16Units() {
        // "café" is 4 characters (5 UTF-8 bytes): -4/4 = -1.0 < -4.9/5 = -0.98, so "cafe!" wins per character;
        // by bytes it would be -0.8 and "café" would win
        assertEquals(1, MultipleChoiceVerdict.of(item(1, "café", "cafe!"), new double[] {-4.0, -4.9}).predNorm());
        // an emoji is one character but two UTF-16 units: -1.5/1 < -2/2, so "ab" wins per character
        assertEquals(1, MultipleChoiceVerdict.of(item(1, "😀", "ab"), new double[] {-1.5, -2.0}).predNorm());
    }

    @Test
    void matchesTheHarnessFormulaOnNumpyReference() throws Exception {
        // mc_reference.jsonl: 200 items scored by make_mc_reference.py (numpy, the harness's formula)
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(Path.of("src/test/resources/likelihood/mc_reference.jsonl"));
        assertEquals(200, lines.size());
        int normDiffers = 0;
        double acc = 0, accNorm = 0;
        for (String line : lines) {
            JsonNode j = json.readTree(line);
            List<String> choices = new ArrayList<>();
            j.get("choices").forEach(c -> choices.add(c.asText()));
            double[] lls = new double[choices.size()];
            for (int i = 0; i < lls.length; i++) lls[i] = j.get("lls").get(i).asDouble();
            MultipleChoiceVerdict v = MultipleChoiceVerdict.of(new MultipleChoiceItem(j.get("id").asText(), "q", choices,
                    j.get("gold").asInt()), lls);
            assertEquals(j.get("pred").asInt(), v.pred(), line);
            assertEquals(j.get("pred_norm").asInt(), v.predNorm(), line);
            assertEquals(j.get("acc").asDouble(), v.acc(), line);
            assertEquals(j.get("acc_norm").asDouble(), v.accNorm(), line);
            if (v.pred() != v.predNorm()) normDiffers++;
            acc += v.acc();
            accNorm += v.accNorm();
        }
        assertEquals(54, normDiffers, "the reference exercises normalisation on many items");
        assertEquals(0.30, acc / 200, 1e-12);
        assertEquals(0.29, accNorm / 200, 1e-12);
    }
}
