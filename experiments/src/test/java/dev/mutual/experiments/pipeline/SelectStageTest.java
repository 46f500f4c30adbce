package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.UserInputException;
import dev.mutual.experiments.main.MainMethod;
import dev.mutual.experiments.recipe.CandidateChoice;
import dev.mutual.experiments.recipe.SelectConfig;
import dev.mutual.experiments.recipe.SelectConfig.Mode;
import dev.mutual.experiments.recipe.SelectConfig.Rule;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The select stage on a hand-written scores.jsonl (the score_pairs stage's format, DESIGN.md): six responses with two
 * candidates each, one of them flagged best, plus one candidate with an empty instruction that could not be scored.
 * Each mode and rule is checked against the kept set worked out by hand from the numbers below.
 */
class SelectStageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The best candidate of each source: (candidate, forward_pmi, reverse_pmi, ifd). */
    private static final Object[][] BEST = {
            {"s0", 0, 0.50, 0.40, 0.70},   // both support
            {"s1", 1, 0.30, -0.10, 0.80},  // reverse does not
            {"s2", 0, -0.20, 0.30, 1.10},  // forward does not
            {"s3", 0, -0.05, -0.02, 1.05}, // neither
            {"s4", 1, 0.10, 0.20, 0.90},   // both
            {"s5", 0, 0.20, 0.05, 0.85},   // both
    };

    @TempDir
    Path tmp;
    Path scores;
    int runs;

    @BeforeEach
    void writeScores() throws IOException {
        scores = tmp.resolve("scores");
        writeLines(scores.resolve("scores.jsonl"), scoreLines());
    }

    /** Source by source, candidate 0 then 1; the other candidate of each source scores a little lower. */
    static List<ObjectNode> scoreLines() {
        List<ObjectNode> lines = new ArrayList<>();
        for (Object[] b : BEST) {
            for (int c = 0; c < 2; c++) {
                boolean best = c == (int) b[1];
                double shift = best ? 0 : -0.3;
                lines.add(line((String) b[0], c, "Instruction " + c + " for " + b[0], (double) b[2] + shift, (double) b[3] + shift,
                        (double) b[4] + 0.5 * (best ? 0 : 1), best));
            }
        }
        ObjectNode empty = line("s6", 0, "", 0, 0, 0, false);
        empty.put("scorable", false);
        for (String f : List.of("forward_logprob", "forward_pmi", "reverse_pmi", "mutual", "ifd")) empty.putNull(f);
        lines.add(empty);
        return lines;
    }

    static ObjectNode line(String source, int candidate, String instruction, double fwd, double rev, double ifd, boolean best) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", source + "#r1c" + candidate);
        o.put("source_id", source);
        o.put("round", 1);
        o.put("candidate", candidate);
        o.put("instruction", instruction);
        o.put("response", "The response of " + source + ".");
        o.put("forward_logprob", -12.5);
        o.put("forward_pmi", fwd);
        o.put("reverse_pmi", rev);
        o.put("mutual", MainMethod.mutual(fwd, rev));
        o.put("ifd", ifd);
        o.put("best", best);
        return o;
    }

    static void writeLines(Path file, List<ObjectNode> lines) throws IOException {
        Files.createDirectories(file.getParent());
        StringBuilder text = new StringBuilder();
        for (ObjectNode o : lines) text.append(JSON.writeValueAsString(o)).append('\n');
        Files.writeString(file, text.toString());
    }

    static SelectConfig config(Mode mode, Rule rule, Integer topK, CandidateChoice candidates) {
        return new SelectConfig("scores", mode, rule, 0.0, 0.0, 1.0, 50, topK, candidates, null, null, null, null, 4, false);
    }

    /** Runs the stage in a fresh work folder; upstream "scores" plus {@code more}. */
    Path run(SelectConfig config, Map<String, Path> more) throws IOException {
        Path work = tmp.resolve("work" + (runs++));
        Files.createDirectories(work);
        Map<String, Path> upstream = new HashMap<>(more);
        upstream.put("scores", scores);
        new SelectStage(config, 7).run(new StageContext("filter", work, upstream, false));
        return work;
    }

    Path run(SelectConfig config) throws IOException {
        return run(config, Map.of());
    }

    static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) out.add(JSON.readTree(l));
        return out;
    }

    static List<String> keptIds(Path work) throws IOException {
        List<String> ids = new ArrayList<>();
        for (JsonNode n : read(work.resolve("kept.jsonl"))) ids.add(n.get("id").asText());
        return ids;
    }

    static Map<String, String> reasons(Path work) throws IOException {
        Map<String, String> r = new HashMap<>();
        for (JsonNode n : read(work.resolve("decisions.jsonl"))) r.put(n.get("id").asText(), n.get("reason").asText());
        return r;
    }

    @Test
    void mutualThresholdKeepsPairsBothDirectionsSupportAndSaysWhyForEveryLine() throws IOException {
        Path work = run(config(Mode.MUTUAL, Rule.THRESHOLD, null, CandidateChoice.BEST));

        assertEquals(List.of("s0#r1c0", "s4#r1c1", "s5#r1c0"), keptIds(work));
        List<JsonNode> decisions = read(work.resolve("decisions.jsonl"));
        assertEquals(13, decisions.size(), "every line of scores.jsonl, in order");
        JsonNode first = decisions.get(0);
        assertEquals(-12.5, first.get("forward_logprob").asDouble(), "every field of the scores line is kept");
        assertEquals("s0", first.get("source_id").asText());
        Map<String, String> r = reasons(work);
        assertEquals("kept: both directions support (forward_pmi 0.5 > 0.0, reverse_pmi 0.4 > 0.0)", r.get("s0#r1c0"));
        assertEquals("dropped: reverse_pmi -0.1 <= 0.0", r.get("s1#r1c1"));
        assertEquals("dropped: forward_pmi -0.2 <= 0.0", r.get("s2#r1c0"));
        assertEquals("dropped: forward_pmi -0.05 <= 0.0 and reverse_pmi -0.02 <= 0.0", r.get("s3#r1c0"));
        assertEquals("dropped: not the best of 2 candidates", r.get("s0#r1c1"));
        assertEquals("dropped: unscorable (empty instruction)", r.get("s6#r1c0"));

        JsonNode summary = JSON.readTree(work.resolve("summary.json").toFile());
        assertEquals(13, summary.get("lines").asInt());
        assertEquals(6, summary.get("eligible").asInt());
        assertEquals(3, summary.get("kept").asInt());
        assertEquals(10, summary.get("dropped").asInt());
        JsonNode reasons = summary.get("reasons");
        assertEquals(3, reasons.get("kept: both directions support").asInt());
        assertEquals(6, reasons.get("dropped: not the best candidate").asInt());
        assertEquals(1, reasons.get("dropped: reverse_pmi <= 0.0").asInt());
        assertEquals(1, reasons.get("dropped: forward_pmi <= 0.0").asInt());
        assertEquals(1, reasons.get("dropped: forward_pmi <= 0.0 and reverse_pmi <= 0.0").asInt());
        assertEquals(1, reasons.get("dropped: unscorable (empty instruction)").asInt());
        assertEquals("kept: both directions support", reasons.fieldNames().next(), "kept reasons first");

        // Both directions are filtered, so both histograms mark their threshold.
        for (String png : List.of("histogram_forward.png", "histogram_reverse.png")) {
            BufferedImage image = ImageIO.read(work.resolve(png).toFile());
            assertEquals(SelectionHistogram.WIDTH, image.getWidth());
            assertEquals(SelectionHistogram.HEIGHT, image.getHeight());
            assertTrue(pixels(image, SelectionHistogram.THRESHOLD) > 50, png + ": threshold line");
            assertTrue(pixels(image, SelectionHistogram.KEPT) > 50, png + ": kept outline");
            assertTrue(pixels(image, SelectionHistogram.DROPPED) > 50, png + ": dropped outline");
        }
        try (Stream<Path> files = Files.list(work)) {
            assertEquals(List.of("decisions.jsonl", "examples.md", "histogram_forward.png", "histogram_reverse.png", "kept.jsonl",
                    "summary.json"), files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
    }

    @Test
    void topPercentAndRankSumRankTheEligibleCandidates() throws IOException {
        // forward ranks s0 s1 s5 s4 s3 s2, reverse ranks s0 s2 s4 s5 s3 s1; the top 50% of six is three ranks.
        Path top = run(config(Mode.MUTUAL, Rule.TOP_PERCENT, null, CandidateChoice.BEST));
        assertEquals(List.of("s0#r1c0"), keptIds(top));
        assertEquals("dropped: reverse_pmi -0.1 ranks 6 of 6, not in the top 50% (3)", reasons(top).get("s1#r1c1"));
        JsonNode topReasons = JSON.readTree(top.resolve("summary.json").toFile()).get("reasons");
        assertEquals(2, topReasons.get("dropped: forward_pmi not in the top 50%").asInt(), topReasons.toString());
        assertEquals(2, topReasons.get("dropped: reverse_pmi not in the top 50%").asInt(), topReasons.toString());
        assertEquals(1, topReasons.get("dropped: forward_pmi not in the top 50% and reverse_pmi not in the top 50%").asInt());
        assertTrue(pixels(ImageIO.read(top.resolve("histogram_forward.png").toFile()), SelectionHistogram.THRESHOLD) > 50,
                "the top-50% cutoff is marked");

        // Rank sums: s0 2, s1 8, s2 8, s3 10, s4 7, s5 7; the top 2 are s0 and s4 (s4 before s5 in the file).
        Path rank = run(config(Mode.MUTUAL, Rule.RANK_SUM, 2, CandidateChoice.BEST));
        assertEquals(List.of("s0#r1c0", "s4#r1c1"), keptIds(rank));
        assertEquals("dropped: rank sum 7 (forward_pmi 0.2 rank 3, reverse_pmi 0.05 rank 4) not in the top 2", reasons(rank).get("s5#r1c0"));
        assertEquals("kept: rank sum in the top 2: rank sum 2 (forward_pmi 0.5 rank 1, reverse_pmi 0.4 rank 1)", reasons(rank).get("s0#r1c0"));
        assertFalse(pixels(ImageIO.read(rank.resolve("histogram_forward.png").toFile()), SelectionHistogram.THRESHOLD) > 0,
                "a rank sum has no threshold to mark");
    }

    @Test
    void singleDirectionBaselinesFilterByOneScore() throws IOException {
        // forward_only: ifd below 1 (lower is better); s2 1.10 and s3 1.05 fail.
        Path ifd = run(config(Mode.FORWARD_ONLY, Rule.THRESHOLD, null, CandidateChoice.BEST));
        assertEquals(List.of("s0#r1c0", "s1#r1c1", "s4#r1c1", "s5#r1c0"), keptIds(ifd));
        assertEquals("dropped: ifd 1.1 >= 1.0", reasons(ifd).get("s2#r1c0"));
        assertEquals("kept: ifd < 1.0 (ifd 0.7 < 1.0)", reasons(ifd).get("s0#r1c0"));
        // The lowest half by ifd: 0.70, 0.80, 0.85.
        assertEquals(List.of("s0#r1c0", "s1#r1c1", "s5#r1c0"), keptIds(run(config(Mode.FORWARD_ONLY, Rule.TOP_PERCENT, null, CandidateChoice.BEST))));

        Path reverse = run(config(Mode.REVERSE_ONLY, Rule.THRESHOLD, null, CandidateChoice.BEST));
        assertEquals(List.of("s0#r1c0", "s2#r1c0", "s4#r1c1", "s5#r1c0"), keptIds(reverse));
        assertEquals(0, pixels(ImageIO.read(reverse.resolve("histogram_forward.png").toFile()), SelectionHistogram.THRESHOLD),
                "reverse_only does not filter forward: no threshold on the forward histogram");
        assertTrue(pixels(ImageIO.read(reverse.resolve("histogram_reverse.png").toFile()), SelectionHistogram.THRESHOLD) > 50);
        // The two best by reverse_pmi: s0 0.40, s2 0.30.
        Path rank = run(config(Mode.REVERSE_ONLY, Rule.RANK_SUM, 2, CandidateChoice.BEST));
        assertEquals(List.of("s0#r1c0", "s2#r1c0"), keptIds(rank));
        assertEquals("dropped: reverse_pmi rank 3 (reverse_pmi 0.2 rank 3) not in the top 2", reasons(rank).get("s4#r1c1"));
    }

    @Test
    void noneKeepsEveryEligibleCandidateAndCandidatesChoosesThem() throws IOException {
        Path all = run(config(Mode.NONE, Rule.THRESHOLD, null, CandidateChoice.ALL));
        assertEquals(12, keptIds(all).size(), "every scorable candidate; the empty instruction is dropped");
        assertEquals("kept: unfiltered (mode none)", reasons(all).get("s3#r1c1"));
        Path first = run(config(Mode.NONE, Rule.THRESHOLD, null, CandidateChoice.FIRST));
        assertEquals(List.of("s0#r1c0", "s1#r1c0", "s2#r1c0", "s3#r1c0", "s4#r1c0", "s5#r1c0"), keptIds(first));
        assertEquals("dropped: not the first candidate (candidate 1 of 2)", reasons(first).get("s1#r1c1"));
    }

    @Test
    void randomKeepsASeededSubsetOfTheSizeAnotherSelectionKept() throws IOException {
        Path main = run(config(Mode.MUTUAL, Rule.THRESHOLD, null, CandidateChoice.ALL));
        int k = keptIds(main).size();
        SelectConfig random = new SelectConfig("scores", Mode.RANDOM, Rule.THRESHOLD, 0, 0, 1, 50, null, CandidateChoice.ALL,
                "main", null, 11L, null, 4, false);
        Path a = run(random, Map.of("main", main));
        List<String> picked = keptIds(a);
        assertEquals(k, picked.size(), "K = the kept count of size_stage");

        // The pick depends on the seed and the ids, not on the order of the lines.
        List<ObjectNode> reversed = new ArrayList<>(scoreLines());
        Collections.reverse(reversed);
        writeLines(scores.resolve("scores.jsonl"), reversed);
        List<String> again = new ArrayList<>(keptIds(run(random, Map.of("main", main))));
        Collections.reverse(again);
        assertEquals(picked, again);

        SelectConfig otherSeed = new SelectConfig("scores", Mode.RANDOM, Rule.THRESHOLD, 0, 0, 1, 50, null, CandidateChoice.ALL,
                null, 6, 12L, null, 4, false);
        assertEquals(6, keptIds(run(otherSeed)).size());
        List<String> seeds = new ArrayList<>();
        for (long seed = 1; seed <= 4; seed++) {
            seeds.add(keptIds(run(new SelectConfig("scores", Mode.RANDOM, Rule.THRESHOLD, 0, 0, 1, 50, null, CandidateChoice.ALL,
                    null, 6, seed, null, 4, false))).toString());
        }
        assertNotEquals(1, seeds.stream().distinct().count(), "different seeds pick differently: " + seeds);

        SelectConfig tooMany = new SelectConfig("scores", Mode.RANDOM, Rule.THRESHOLD, 0, 0, 1, 50, null, CandidateChoice.BEST,
                null, 7, null, null, 4, false);
        String message = assertThrows(UserInputException.class, () -> run(tooMany)).getMessage();
        assertEquals("stages.filter.size: K = 7 but only 6 candidates are eligible (candidates: best); a random subset of another"
                + " size would not be the baseline asked for: choose candidates: all, or a smaller K", message);
    }

    @Test
    void ratingKeepsWhatTheCurateStageRatedHighEnough() throws IOException {
        Path curate = tmp.resolve("curate");
        List<ObjectNode> ratings = new ArrayList<>();
        Object[][] given = {{"s0#r1c0", 5}, {"s1#r1c1", 4}, {"s2#r1c0", null}, {"s3#r1c0", 2}, {"s5#r1c0", 4}};
        for (Object[] g : given) {
            ObjectNode o = JSON.createObjectNode().put("id", (String) g[0]);
            if (g[1] == null) o.putNull("rating");
            else o.put("rating", (int) g[1]);
            ratings.add(o);
        }
        writeLines(curate.resolve("ratings.jsonl"), ratings);
        SelectConfig a4 = new SelectConfig("scores", Mode.RATING, Rule.THRESHOLD, 0, 0, 1, 50, null, CandidateChoice.BEST,
                null, null, null, "curate", 4, false);
        Path work = run(a4, Map.of("curate", curate));
        assertEquals(List.of("s0#r1c0", "s1#r1c1", "s5#r1c0"), keptIds(work));
        Map<String, String> r = reasons(work);
        assertEquals("kept: rating >= 4 (rating 5)", r.get("s0#r1c0"));
        assertEquals("dropped: rating unparsed", r.get("s2#r1c0"));
        assertEquals("dropped: rating 2 < 4", r.get("s3#r1c0"));
        assertEquals("dropped: not rated by stage curate", r.get("s4#r1c1"));
        assertEquals(5, read(work.resolve("kept.jsonl")).get(0).get("rating").asInt());

        SelectConfig a5 = new SelectConfig("scores", Mode.RATING, Rule.THRESHOLD, 0, 0, 1, 50, null, CandidateChoice.BEST,
                null, null, null, "curate", 5, false);
        assertEquals(List.of("s0#r1c0"), keptIds(run(a5, Map.of("curate", curate))));

        // Humpback A5 with a rater that never gave a 5: with allow_empty the selection is empty, not an error
        ratings.set(0, JSON.createObjectNode().put("id", "s0#r1c0").put("rating", 4));
        writeLines(curate.resolve("ratings.jsonl"), ratings);
        assertThrows(UserInputException.class, () -> run(a5, Map.of("curate", curate)));
        SelectConfig a5Empty = new SelectConfig("scores", Mode.RATING, Rule.THRESHOLD, 0, 0, 1, 50, null, CandidateChoice.BEST,
                null, null, null, "curate", 5, true);
        Path empty = run(a5Empty, Map.of("curate", curate));
        assertEquals(List.of(), keptIds(empty));
        assertEquals(0, JSON.readTree(empty.resolve("summary.json").toFile()).get("kept").asInt());
        assertTrue(Files.size(empty.resolve("histogram_forward.png")) > 0);
    }

    @Test
    void aFilterThatKeepsNothingNamesItsKeysAndTheScoresAndWritesNothing() throws IOException {
        SelectConfig strict = new SelectConfig("scores", Mode.MUTUAL, Rule.THRESHOLD, 0.9, 0.0, 1.0, 50, null,
                CandidateChoice.BEST, null, null, null, null, 4, false);
        Path work = tmp.resolve("strict");
        Files.createDirectories(work);
        UserInputException e = assertThrows(UserInputException.class, () -> new SelectStage(strict, 7)
                .run(new StageContext("filter", work, Map.of("scores", scores), false)));
        assertEquals("stages.filter: select keeps none of the 6 eligible candidates with forward_threshold 0.9, reverse_threshold"
                + " 0.0 (mode mutual, rule threshold); scores seen forward_pmi -0.2..0.5, reverse_pmi -0.1..0.4. No output was"
                + " written", e.getMessage());
        try (Stream<Path> files = Files.list(work)) {
            assertEquals(0, files.count(), "nothing that looks finished");
        }

        // No eligible candidate at all names the candidates key.
        writeLines(scores.resolve("scores.jsonl"), List.of(scoreLines().get(12)));
        String message = assertThrows(UserInputException.class, () -> run(config(Mode.NONE, Rule.THRESHOLD, null, CandidateChoice.ALL)))
                .getMessage();
        assertTrue(message.startsWith("stages.filter.candidates: none of the 1 candidates in "), message);
        assertTrue(message.endsWith("is eligible (candidates: all): dropped: unscorable (empty instruction): 1"), message);
    }

    @Test
    void aScoresLineWithoutItsScoresIsAnErrorNamingFileAndLine() throws IOException {
        List<ObjectNode> lines = scoreLines();
        lines.get(2).remove("reverse_pmi");
        writeLines(scores.resolve("scores.jsonl"), lines);
        String message = assertThrows(UserInputException.class, () -> run(config(Mode.MUTUAL, Rule.THRESHOLD, null,
                CandidateChoice.BEST))).getMessage();
        assertEquals(scores.resolve("scores.jsonl") + ":3: expected a finite number field \"reverse_pmi\" (or \"scorable\": false),"
                + " found null", message);
    }

    @Test
    void examplesAreMarkdownSafeSideBySide() throws IOException {
        List<ObjectNode> lines = scoreLines();
        lines.get(0).put("instruction", "Pipes | and <b>tags</b>\nand *stars* with `code`");
        writeLines(scores.resolve("scores.jsonl"), lines);
        Path work = run(config(Mode.MUTUAL, Rule.THRESHOLD, null, CandidateChoice.BEST));
        String md = Files.readString(work.resolve("examples.md"));
        assertTrue(md.contains("Pipes \\| and &lt;b&gt;tags&lt;/b&gt;<br>and \\*stars\\* with \\`code\\`"), md);
        List<String> rows = md.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| #")).toList();
        // 3 kept beside the 3 the filter dropped, then the 7 left out before it (not best, unscorable).
        assertEquals(10, rows.size(), md);
        for (String row : rows) {
            assertEquals(4, row.replace("\\|", "").chars().filter(c -> c == '|').count(), "three cells: " + row);
        }
        assertTrue(rows.get(0).contains("kept: both directions support") && rows.get(0).contains("dropped: reverse\\_pmi -0.1"), rows.get(0));
        assertTrue(rows.get(3).startsWith("| 4 |  | "), "no kept candidate left for row 4: " + rows.get(3));
    }

    @Test
    void histogramBinsCountEveryValueOnce() {
        int[] c = SelectionHistogram.counts(List.of(0.0, 0.5, 1.0, 1.0), 0, 1);
        assertEquals(4, java.util.Arrays.stream(c).sum());
        assertEquals(1, c[0]);
        assertEquals(1, c[SelectionHistogram.BINS / 2]);
        assertEquals(2, c[SelectionHistogram.BINS - 1], "the top edge falls in the last bin");
    }

    static int pixels(BufferedImage image, java.awt.Color color) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) if ((image.getRGB(x, y) & 0xFFFFFF) == (color.getRGB() & 0xFFFFFF)) n++;
        }
        return n;
    }
}
