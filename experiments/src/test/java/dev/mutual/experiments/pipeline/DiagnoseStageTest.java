package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.mutual.data.Example;
import dev.mutual.data.read.DataReader;
import dev.mutual.experiments.main.Auroc;
import dev.mutual.experiments.main.Spearman;
import dev.mutual.experiments.main.TinyMainModels;
import dev.mutual.experiments.recipe.CandidateChoice;
import dev.mutual.experiments.recipe.CurateConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

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
    void theSelfCurationRatingIsOneMoreScoreRecomputableFromThePairFile() throws IOException {
        // A short rating prompt of our own keeps the test fast (the shipped one is ~2,400 characters).
        String template = "Rate the answer from 1 to 5.\nInstruction: {generated_instruction}\nAnswer: {response}\nEnd with \"Score: N\".\n";
        Path promptFile = Files.writeString(tmp.resolve("rate.txt"), template);
        // Human quality for 10 pool items' gold pairs: 0, 1, 2, 0, ...
        List<DiagnoseStage.GoldItem> gold10 = DiagnoseStage.goldItems(DataReader.read(TinyMainModels.models().resolve("pool/data.jsonl"),
                DataReader.Options.defaults()).examples(), 10);
        StringBuilder quality = new StringBuilder();
        for (int i = 0; i < gold10.size(); i++) {
            quality.append(JSON.createObjectNode().put("id", gold10.get(i).id()).put("response", gold10.get(i).response())
                    .put("gold_instruction", gold10.get(i).instruction()).put("quality_score", i % 3)).append('\n');
        }
        Path qualityFile = Files.writeString(tmp.resolve("quality.jsonl"), quality);
        // The judge (a real HTTP server on loopback) answers by the prompt's hash: "Score: 1".."Score: 5", or no score.
        List<String> prompts = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            String prompt = JSON.readTree(exchange.getRequestBody()).get("messages").get(0).get("content").asText();
            prompts.add(prompt);
            ObjectNode out = JSON.createObjectNode();
            out.putArray("choices").addObject().putObject("message").put("role", "assistant").put("content", judgeReply(prompt));
            byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(bytes);
            }
        });
        server.start();
        Path run;
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
            run = TinyMainModels.run(tmp, TinyMainModels.recipe("""
                      diag_judged:
                        type: diagnose
                        pool_stage: pool
                        forward_stage: forward
                        reverse_stage: reverse
                        limit: 30
                        seed: 5
                        rating: {judge: {url: '%1$s', model: loopback, api_key_env: ''}, prompt: %2$s, max_new_tokens: 8}
                        quality_data: %3$s
                      diag_likelihood:
                        type: diagnose
                        pool_stage: pool
                        forward_stage: forward
                        reverse_stage: reverse
                        limit: 12
                        seed: 5
                        rating: {model_stage: forward, method: likelihood, prompt: %2$s, batch_size: 4}
                    """.formatted(url, promptFile, qualityFile)));
        } finally {
            server.stop(0);
        }
        Map<String, DiagnoseStage.GoldItem> gold = new HashMap<>();
        List<Example> pool = DataReader.read(run.resolve("pool/data.jsonl"), DataReader.Options.defaults()).examples();
        for (DiagnoseStage.GoldItem g : DiagnoseStage.goldItems(pool, 30)) gold.put(g.id(), g);

        // Judged: every pair's prompt went to the judge once, and its line carries the judge's closing score or null.
        Path judged = run.resolve("diag_judged");
        List<JsonNode> lines = readLines(judged.resolve("auroc_pairs.jsonl"));
        List<String> expectedPrompts = new ArrayList<>();
        int unparsed = 0;
        for (JsonNode l : lines) {
            String prompt = template.replace("{generated_instruction}", gold.get(l.get("instruction_source_id").asText()).instruction())
                    .replace("{response}", gold.get(l.get("source_id").asText()).response());
            expectedPrompts.add(prompt);
            assertTrue(l.has("rating"), l.toString());
            String reply = judgeReply(prompt);
            if (reply.contains("Score: ")) {
                assertEquals(Integer.parseInt(reply.substring(reply.length() - 1)), l.get("rating").asInt(), l.toString());
            } else {
                assertTrue(l.get("rating").isNull(), "no closing score, no rating: " + l);
                unparsed++;
            }
        }
        assertTrue(unparsed > 0 && unparsed < lines.size() / 2, unparsed + " unparsed of " + lines.size());
        assertRatingAurocIsTheFilesOwn(judged, lines);
        // ... and the quality rows too: Spearman's rho of the rating over the rows the judge rated
        List<JsonNode> rows = readLines(judged.resolve("quality_pairs.jsonl"));
        assertEquals(10, rows.size());
        List<Double> ratedX = new ArrayList<>(), ratedY = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            String prompt = template.replace("{generated_instruction}", gold10.get(i).instruction()).replace("{response}", gold10.get(i).response());
            expectedPrompts.add(prompt);
            String reply = judgeReply(prompt);
            JsonNode rating = rows.get(i).get("rating");
            assertEquals(reply.contains("Score: ") ? reply.substring(reply.length() - 1) : "null", rating.asText(), rows.get(i).toString());
            if (rating.isNull()) continue;
            ratedX.add(rating.asDouble());
            ratedY.add(rows.get(i).get("quality_score").asDouble());
        }
        JsonNode rho = JSON.readTree(judged.resolve("spearman.json").toFile()).get("rating");
        assertEquals(ratedX.size(), rho.get("n").asInt());
        double expectedRho = Spearman.rho(ratedX.stream().mapToDouble(d -> d).toArray(), ratedY.stream().mapToDouble(d -> d).toArray());
        assertEquals(expectedRho, rho.get("rho").asDouble(), 1e-15);
        assertEquals(expectedPrompts.stream().sorted().toList(), prompts.stream().sorted().toList(), "one request per pair and row");

        // Likelihood: every pair rated, and rated exactly as the curate stage rates the same pairs.
        Path likely = run.resolve("diag_likelihood");
        lines = readLines(likely.resolve("auroc_pairs.jsonl"));
        Path asCandidates = Files.createDirectories(tmp.resolve("as_candidates"));
        StringBuilder candidates = new StringBuilder();
        for (JsonNode l : lines) {
            assertTrue(l.get("rating").isInt() && l.get("rating").asInt() >= 1 && l.get("rating").asInt() <= 5, l.toString());
            candidates.append(JSON.createObjectNode().put("id", l.get("id").asText()).put("source_id", l.get("source_id").asText())
                    .put("round", 1).put("candidate", 1 - l.get("label").asInt())
                    .put("instruction", gold.get(l.get("instruction_source_id").asText()).instruction())
                    .put("response", gold.get(l.get("source_id").asText()).response())).append('\n');
        }
        Files.writeString(asCandidates.resolve("candidates.jsonl"), candidates);
        Path curated = Files.createDirectories(tmp.resolve("curated"));
        new CurateStage(new CurateConfig("pairs", "fwd", null, CurateConfig.Method.LIKELIHOOD, promptFile, 16, 2, CandidateChoice.ALL),
                Map.of()).run(new StageContext("curate", curated, Map.of("pairs", asCandidates, "fwd", run.resolve("forward")), false));
        Map<String, Integer> curateRatings = new HashMap<>();
        for (JsonNode r : readLines(curated.resolve("ratings.jsonl"))) curateRatings.put(r.get("id").asText(), r.get("rating").asInt());
        for (JsonNode l : lines) assertEquals(curateRatings.get(l.get("id").asText()), l.get("rating").asInt(), l.toString());
        assertRatingAurocIsTheFilesOwn(likely, lines);
    }

    /** The judge's reply to a prompt: a deterministic function of it, one in six without a closing score. */
    private static String judgeReply(String prompt) {
        int h = Math.floorMod(prompt.hashCode() * 31 + 7, 6);
        return h == 0 ? "I cannot rate this." : "The answer fits.\nScore: " + h;
    }

    /**
     * auroc.json's rating entry (and the report's recomputation, AurocPairs) equals a brute-force count over the
     * file's lines that have a rating, with those lines' labels as its positives and negatives.
     */
    private static void assertRatingAurocIsTheFilesOwn(Path dir, List<JsonNode> lines) throws IOException {
        JsonNode auroc = JSON.readTree(dir.resolve("auroc.json").toFile());
        assertEquals(List.of("forward_pmi", "reverse_pmi", "mutual", "neg_ifd", "rating"), fieldNames(auroc));
        List<JsonNode> rated = lines.stream().filter(l -> !l.get("rating").isNull()).toList();
        double[] values = rated.stream().mapToDouble(l -> l.get("rating").asDouble()).toArray();
        int[] labels = rated.stream().mapToInt(l -> l.get("label").asInt()).toArray();
        int positives = Arrays.stream(labels).sum();
        double expected = bruteForceAuroc(values, labels);
        JsonNode r = auroc.get("rating");
        assertEquals(expected, r.get("auroc").asDouble(), 1e-12);
        assertEquals(positives, r.get("positives").asInt());
        assertEquals(rated.size() - positives, r.get("negatives").asInt());
        AurocPairs recomputed = AurocPairs.read(dir.resolve("auroc_pairs.jsonl"), null);
        assertEquals(List.of("forward_pmi", "reverse_pmi", "mutual", "neg_ifd", "rating"), List.copyOf(recomputed.scores().keySet()));
        assertEquals(new AurocPairs.Score(recomputed.scores().get("rating").auroc(), positives, rated.size() - positives),
                recomputed.scores().get("rating"));
        assertEquals(expected, recomputed.scores().get("rating").auroc(), 1e-12);
        System.out.printf(Locale.ROOT, "diagnose %s: rating AUROC %.3f over %d gold and %d shuffled pairs rated (%d lines)%n",
                dir.getFileName(), expected, positives, rated.size() - positives, lines.size());
    }

    private static List<JsonNode> readLines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) out.add(JSON.readTree(l));
        return out;
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
