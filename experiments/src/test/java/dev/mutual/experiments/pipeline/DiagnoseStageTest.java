package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.Example;
import dev.mutual.data.read.DataReader;
import dev.mutual.experiments.main.Auroc;
import dev.mutual.experiments.main.Spearman;
import dev.mutual.experiments.main.TinyMainModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stage diagnose through the pipeline, on the shipped pool (gold instructions kept aside) and the models of {@link TinyMainModels}. */
class DiagnoseStageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aurocAndSpearmanAreRecomputableFromThePairFiles() throws IOException {
        // Human "quality" for the test: 1 for 15 seed pairs, 0 for 15 responses given a neighbour's instruction.
        List<Example> seed = DataReader.read(TinyMainModels.models().resolve("seed/data.jsonl"), DataReader.Options.defaults()).examples();
        StringBuilder quality = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            Example e = seed.get(i), neighbour = seed.get(i + 1);
            quality.append(JSON.createObjectNode().put("id", "q" + i).put("response", e.response())
                    .put("gold_instruction", i < 15 ? e.fullInstruction() : neighbour.fullInstruction()).put("quality_score", i < 15 ? 1.0 : 0.0))
                    .append('\n');
        }
        quality.append("{\"id\": \"unrated\", \"response\": \"R.\", \"gold_instruction\": \"Q?\", \"quality_score\": null}\n");
        quality.append("{\"id\": \"no-prompt\", \"response\": \"R.\", \"quality_score\": 0.5}\n");
        Path qualityFile = Files.writeString(tmp.resolve("quality.jsonl"), quality);
        Path responsesOnly = Files.writeString(tmp.resolve("responses.jsonl"),
                "{\"id\": \"r1\", \"response\": \"A reply without its prompt.\"}\n{\"id\": \"r2\", \"response\": \"Another.\"}\n");

        Path run = TinyMainModels.run(tmp, TinyMainModels.recipe("""
                  diag:
                    type: diagnose
                    pool_stage: pool
                    forward_stage: forward
                    reverse_stage: reverse
                    limit: 40
                    seed: 5
                    quality_data: %s
                    round: 2
                  nogold:
                    type: prepare_data
                    sources: [{path: %s}]
                  diag_nogold:
                    type: diagnose
                    pool_stage: nogold
                    forward_stage: forward
                    reverse_stage: reverse
                """.formatted(qualityFile, responsesOnly)));

        Path diag = run.resolve("diag");
        List<JsonNode> pairs = new ArrayList<>();
        for (String l : Files.readAllLines(diag.resolve("auroc_pairs.jsonl"))) pairs.add(JSON.readTree(l));
        int[] labels = new int[pairs.size()];
        int positives = 0;
        for (int i = 0; i < pairs.size(); i++) {
            JsonNode p = pairs.get(i);
            labels[i] = p.get("label").asInt();
            positives += labels[i];
            assertEquals(2, p.get("round").asInt());
            assertEquals(labels[i] == 1, p.get("source_id").equals(p.get("instruction_source_id")),
                    "a gold pair keeps its instruction, a shuffled one borrows another item's: " + p);
        }
        assertEquals(40, positives);
        assertTrue(pairs.size() - positives >= 38, (pairs.size() - positives) + " shuffled pairs");
        JsonNode auroc = JSON.readTree(diag.resolve("auroc.json").toFile());
        assertEquals(List.of("forward_pmi", "reverse_pmi", "mutual", "neg_ifd"), fieldNames(auroc));
        StringBuilder measured = new StringBuilder();
        for (String score : fieldNames(auroc)) {
            double[] values = new double[pairs.size()];
            for (int i = 0; i < values.length; i++) values[i] = pairs.get(i).get(score).asDouble();
            double expected = bruteForceAuroc(values, labels);
            assertEquals(expected, auroc.get(score).get("auroc").asDouble(), 1e-12, score);
            assertEquals(Auroc.of(values, labels), auroc.get(score).get("auroc").asDouble(), 1e-15, score);
            assertEquals(40, auroc.get(score).get("positives").asInt());
            assertEquals(pairs.size() - 40, auroc.get(score).get("negatives").asInt());
            measured.append(String.format(" %s %.3f", score, expected));
        }
        System.out.println("diagnose AUROC on 40 oasst1 pool items (tiny models trained on 69 Dolly pairs):" + measured);

        List<JsonNode> rated = new ArrayList<>();
        for (String l : Files.readAllLines(diag.resolve("quality_pairs.jsonl"))) rated.add(JSON.readTree(l));
        assertEquals(30, rated.size(), "unrated rows and rows without a gold instruction are skipped");
        double[] human = rated.stream().mapToDouble(r -> r.get("quality_score").asDouble()).toArray();
        JsonNode spearman = JSON.readTree(diag.resolve("spearman.json").toFile());
        StringBuilder rhos = new StringBuilder();
        for (String score : fieldNames(spearman)) {
            double[] values = rated.stream().mapToDouble(r -> r.get(score).asDouble()).toArray();
            assertEquals(Spearman.rho(values, human), spearman.get(score).get("rho").asDouble(), 1e-15, score);
            assertEquals(30, spearman.get(score).get("n").asInt());
            rhos.append(String.format(" %s %.3f", score, spearman.get(score).get("rho").asDouble()));
        }
        System.out.println("diagnose Spearman with 0/1 quality on 30 seed rows (15 matched, 15 mismatched):" + rhos);
        assertTrue(spearman.get("reverse_pmi").get("rho").asDouble() > 0.3, "the models see the matched seed pairs as aligned");

        // A pool without gold instructions: a note, no failure.
        Path none = run.resolve("diag_nogold");
        JsonNode note = JSON.readTree(none.resolve("auroc.json").toFile());
        assertTrue(note.get("note").asText().contains("pool stage 'nogold' has 0 items with a gold instruction"), note.toString());
        assertEquals("", Files.readString(none.resolve("auroc_pairs.jsonl")));
        assertFalse(Files.exists(none.resolve("spearman.json")));
    }

    @Test
    void theShuffleIsASeededDerangement() {
        for (int n = 2; n <= 40; n++) {
            int[] p = DiagnoseStage.derangement(n, n * 31L);
            boolean[] seen = new boolean[n];
            for (int i = 0; i < n; i++) {
                assertNotEquals(i, p[i], "fixed point at " + i + " for n " + n);
                assertFalse(seen[p[i]], "not a permutation");
                seen[p[i]] = true;
            }
            assertArrayEquals(p, DiagnoseStage.derangement(n, n * 31L), "the seed alone decides");
        }
        assertFalse(Arrays.equals(DiagnoseStage.derangement(40, 1), DiagnoseStage.derangement(40, 2)));
    }

    private static List<String> fieldNames(JsonNode o) {
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The share of (gold, shuffled) pairs where the gold pair scores higher, ties one half. */
    private static double bruteForceAuroc(double[] scores, int[] labels) {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < scores.length; i++) {
            for (int j = 0; j < scores.length; j++) {
                if (labels[i] != 1 || labels[j] != 0) continue;
                pairs++;
                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            }
        }
        return wins / pairs;
    }
}
