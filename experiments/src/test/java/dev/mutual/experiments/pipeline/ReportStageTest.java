package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.report.EvalSample;
import dev.mutual.eval.report.PairedBootstrap;
import dev.mutual.experiments.cli.CliRun;
import dev.mutual.experiments.recipe.ReportConfig;
import dev.mutual.experiments.serve.BatchEngine;
import dev.mutual.experiments.serve.OpenAiServer;
import dev.mutual.experiments.serve.ScriptedReplyModel;
import dev.mutual.experiments.serve.ServedModel;
import dev.mutual.testing.SharedDataAssumptions;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report stage on hand-made upstream folders (exact numbers), and end to end behind two trained strategies. */
class ReportStageTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** An eval stage folder with one benchmark whose per-item scores are {@code scores} (or no samples.jsonl). */
    static void evalFolder(Path dir, String benchmark, String metric, double[] scores, boolean samples) throws IOException {
        List<EvalSample> items = new ArrayList<>();
        double sum = 0;
        for (int i = 0; i < scores.length; i++) {
            items.add(new EvalSample("item" + i, "p" + i, "r" + i, Map.of(metric, scores[i]), Map.of()));
            sum += scores[i];
        }
        EvalResult result = new EvalResult(benchmark, 1, Map.of(metric, sum / scores.length), metric, scores.length, null, Map.of());
        EvalResultFiles.write(dir.resolve(benchmark), result, items);
        if (!samples) Files.delete(dir.resolve(benchmark).resolve(EvalResultFiles.SAMPLES));
    }

    @Test
    void reportsDeltasWithPairedIntervalsDiagnosticsSelectionAndCost() throws Exception {
        double[] main = {1, 1, 0, 1, 1, 0, 1, 1}, seed = {0, 1, 0, 0, 1, 0, 0, 1};
        Path evalMain = tmp.resolve("eval_main"), evalSeed = tmp.resolve("eval_seed");
        evalFolder(evalMain, "ifeval", "prompt_level_strict_acc", main, true);
        evalFolder(evalSeed, "ifeval", "prompt_level_strict_acc", seed, true);
        evalFolder(evalMain, "heldout", "loglik_per_token", new double[] {-2.0, -3.0}, false);  // no per-item scores
        evalFolder(evalSeed, "heldout", "loglik_per_token", new double[] {-2.5, -3.5}, true);
        Files.writeString(evalMain.resolve("summary.json"),
                "{\"benchmarks\": {\"pairwise\": {\"prompts\": 8, \"against\": \"eval_seed\", \"note\": \"no judge configured\"}}}");
        Files.writeString(evalSeed.resolve("summary.json"), "{\"benchmarks\": {\"pairwise\": {\"prompts\": 8, \"against\": \"eval_main\","
                + " \"judge\": \"offline judge (Mutual serve: judge-tiny)\", \"metric\": \"win_rate\", \"value\": 37.5,"
                + " \"standard_error\": 6.25, \"n\": 8}}}");

        // gold pairs score 0.9, 0.8, 0.4; shuffled 0.5, 0.1, 0.4: AUROC (3 + 3 + 1.5) / 9. The self-curation rating is
        // null where a generated reply had no score: gold 5, 3 against shuffled 4, 2 leaves (1 + 1 + 0 + 1) / 4; a
        // rating that no pair got has no AUROC, and still its row.
        Path diag = Files.createDirectories(tmp.resolve("diag"));
        String pairs = """
                {"source_id": "a", "label": 1, "forward_pmi": 0.9, "mutual": 1, "rating": 5, "judge_rating": null}
                {"source_id": "b", "label": 1, "forward_pmi": 0.8, "mutual": 2, "rating": null, "judge_rating": null}
                {"source_id": "c", "label": 1, "forward_pmi": 0.4, "mutual": 3, "rating": 3, "judge_rating": null}
                {"source_id": "a", "label": 0, "forward_pmi": 0.5, "mutual": 4, "rating": 4, "judge_rating": null}
                {"source_id": "b", "label": 0, "forward_pmi": 0.1, "mutual": 5, "rating": 2, "judge_rating": null}
                {"source_id": "c", "label": 0, "forward_pmi": 0.4, "mutual": 6, "rating": null, "judge_rating": null}
                """;
        Files.writeString(diag.resolve("auroc_pairs.jsonl"), pairs);
        Files.writeString(diag.resolve("auroc.json"), "{\"forward_pmi\": {\"auroc\": 0.8333333333333334}, \"mutual\": {\"auroc\": 0.5},"
                + " \"rating\": {\"auroc\": 0.75, \"positives\": 2, \"negatives\": 2},"
                + " \"judge_rating\": {\"auroc\": null, \"positives\": 0, \"negatives\": 0}, \"positives\": 3, \"negatives\": 3}");
        Files.writeString(diag.resolve("spearman.json"), "{\"forward_pmi\": 0.25}");
        Path select = Files.createDirectories(tmp.resolve("select"));
        Files.writeString(select.resolve("summary.json"), "{\"kept\": 12, \"dropped\": {\"below_forward_threshold\": 8}}");
        new Manifest("select", "select", "k", Map.of(), Map.of("tokens_per_s", 1234.4), 12.5, "2026-01-01T00:00:00Z").writeTo(select);
        new Manifest("eval_main", "eval", "k", Map.of(), Map.of(), 3.25, "2026-01-01T00:00:00Z").writeTo(evalMain);

        Map<String, String> strategies = new LinkedHashMap<>();
        strategies.put("main", "eval_main");
        strategies.put("seed_only", "eval_seed");
        ReportConfig config = new ReportConfig(strategies, "seed_only", List.of("diag"), List.of("select"),
                List.of("select", "eval_main"), "A toy run, for the mechanics only.");
        Map<String, Path> upstream = Map.of("eval_main", evalMain, "eval_seed", evalSeed, "diag", diag, "select", select);
        Path out = Files.createDirectories(tmp.resolve("report.partial"));
        new ReportStage(config, "unit").run(new StageContext("report", out, upstream, false));

        String md = Files.readString(out.resolve("report.md"));
        List<String> paragraphs = List.of(md.split("\n\n"));
        assertTrue(paragraphs.get(1).startsWith("**Scale.** A toy run, for the mechanics only."), paragraphs.get(1));
        // the delta and interval are the paired bootstrap's over the 8 items
        PairedBootstrap.Interval ci = PairedBootstrap.DEFAULT.meanDifference(main, seed);
        assertEquals(0.375, ci.delta(), 1e-12);
        String row = String.format(Locale.ROOT, "| main | 0.7500 | +0.3750 | [%+.4f, %+.4f] | 8 |", ci.low(), ci.high());
        assertTrue(md.contains(row), md);
        assertTrue(md.contains("| seed_only (baseline) | 0.3750 |  |  | 8 |"), md);
        assertTrue(md.contains("| main | -2.5000 | +0.5000 | no per-item scores: no interval | 2 |"), md);
        assertTrue(md.contains("| main | eval_seed |  | no judge configured |  |"), md);
        assertTrue(md.contains("| seed_only | eval_main | offline judge (Mutual serve: judge-tiny) | 37.50 +/- 6.25 | 8 |"), md);
        // AUROC from the copy beside the report, equal to a brute-force count over the file's pairs
        assertEquals(pairs, Files.readString(out.resolve("auroc_pairs.jsonl")));
        assertTrue(md.contains("| forward_pmi | 0.8333 | 3 / 3 |"), md);
        assertTrue(md.contains("| mutual | 0.0000 | 3 / 3 |"), md);
        assertTrue(md.contains("diag: auroc.json gives mutual AUROC 0.5, the pairs file 0.0"), md);
        assertTrue(md.contains("| rating | 0.7500 | 2 / 2 |"), md);
        assertTrue(md.contains("| judge_rating | n/a | 0 / 0 |"), md);
        assertTrue(!md.contains("gives rating") && !md.contains("gives judge_rating"), md);
        assertTrue(md.contains("| forward_pmi | 0.2500 |"), md);
        assertTrue(md.contains("| dropped.below_forward_threshold | 8 |"), md);
        assertTrue(md.contains("| select | select | 12.5 | 1234 |"), md);
        assertTrue(md.contains("| eval_main | eval | 3.3 |  |"), md);
        assertTrue(md.contains("| total | | 15.8 | |"), md);
        assertTrue(md.contains("![ifeval](ifeval.png)"), md);
        byte[] png = Files.readAllBytes(out.resolve("ifeval.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));

        List<String> csv = Files.readAllLines(out.resolve("report.csv"));
        assertEquals("strategy,eval_stage,benchmark,metric,primary,score,baseline_score,delta,ci_low,ci_high,n,note", csv.get(0));
        assertTrue(csv.contains("main,eval_main,ifeval,prompt_level_strict_acc,true,0.75,0.375,0.375," + ci.low() + "," + ci.high() + ",8,"), csv.toString());
        assertTrue(csv.contains("main,eval_main,heldout,loglik_per_token,true,-2.5,-3.0,0.5,,,2,no per-item scores: no interval"), csv.toString());
    }

    @Test
    void aurocCountsGoldAboveShuffledWithTiesHalf() {
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 20; trial++) {
            double[] pos = new double[1 + random.nextInt(30)], neg = new double[1 + random.nextInt(30)];
            for (int i = 0; i < pos.length; i++) pos[i] = random.nextInt(6);  // few values: many ties
            for (int i = 0; i < neg.length; i++) neg[i] = random.nextInt(6) - 1;
            double count = 0;
            for (double p : pos) for (double n : neg) count += p > n ? 1 : p == n ? 0.5 : 0;
            assertEquals(count / (pos.length * neg.length), AurocPairs.auroc(pos, neg), 1e-12);
        }
        assertTrue(Double.isNaN(AurocPairs.auroc(new double[] {1}, new double[0])));
    }

    @Test
    void validationChecksWhatTheReportNames() throws IOException {
        String base = EvalStageTest.tinyTraining("bad", "alpaca") + """
                  eval_seed:
                    type: eval
                    model_stage: sft
                    ifeval: {}
                """;
        assertValidationError(base + """
                  report:
                    type: report
                    strategies: {main: eval_seed}
                """, "baseline: expected one of the strategies [main], found 'seed_only'");
        assertValidationError(base + """
                  report:
                    type: report
                    strategies: {seed_only: sft}
                """, "strategies.seed_only: stage 'sft' is a train stage; expected an eval stage");
        assertValidationError(base + """
                  report:
                    type: report
                    strategies: {seed_only: eval_seed}
                    diagnostics: [prepare]
                """, "diagnostics: stage 'prepare' is a prepare_data stage; expected a diagnose stage");
    }

    /**
     * An eval stage's pairwise judge is a model that {@code mutual serve} answers with (AlpacaEval's classifier prompt
     * read from its top logprobs; {@link ScriptedReplyModel#saveVerdict}): the stage's summary.json and the report's
     * pairwise table name it as an offline judge.
     */
    @Test
    void aServedPairwiseJudgeIsNamedOfflineInTheReport() throws Exception {
        Path clf = SharedDataAssumptions.assumeShared("alpaca_eval/judge_prompts/alpaca_eval_clf_gpt4_turbo__alpaca_eval_clf.txt");
        Path samples = EvalStageTest.SAMPLES;
        Path judgeDir = tmp.resolve("judge-tiny");
        ScriptedReplyModel.saveVerdict(judgeDir, samples.resolve("tok512.bin"), "m", "M");
        try (ServedModel model = ServedModel.open(judgeDir, null, null, "chatml", null, 1);
             BatchEngine engine = new BatchEngine(model.decoder(), 4, 16);
             OpenAiServer server = new OpenAiServer(model, engine, "127.0.0.1", 0, null, 4)) {
            server.start();
            String evals = """
                  eval_seed:
                    type: eval
                    model_stage: sft
                    heldout: {data: %2$s, limit: 2}
                    pairwise: {prompts: %1$s, limit: 3, max_new_tokens: 4}
                  eval_main:
                    type: eval
                    model_stage: sft
                    heldout: {data: %2$s, limit: 2}
                    pairwise:
                      prompts: %1$s
                      limit: 3
                      max_new_tokens: 4
                      against: eval_seed
                      judge: {url: "http://127.0.0.1:%3$d/v1", model: judge-tiny, api_key_env: "", prompt: %4$s}
                  report:
                    type: report
                    strategies: {main: eval_main, seed_only: eval_seed}
                """.formatted(samples.resolve("eval_ifeval_prompts.jsonl"), samples.resolve("seed_dolly_open_qa.jsonl"),
                    server.port(), clf.toAbsolutePath());
            Path recipe = Files.writeString(tmp.resolve("served.yaml"), EvalStageTest.tinyTraining("served", "alpaca") + evals);
            CliRun run = CliRun.of("run", recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
            assertEquals(0, run.code(), run.err());
            Path dir = EvalStageTest.runDir(tmp.resolve("runs"), "served");
            String label = "offline judge (Mutual serve: judge-tiny)";
            JsonNode summary = JSON.readTree(dir.resolve("eval_main/summary.json").toFile()).get("benchmarks").get("pairwise");
            assertEquals(label, summary.get("judge").asText(), summary.toString());
            EvalResult pairwise = EvalResultFiles.readResult(dir.resolve("eval_main/pairwise"));
            assertEquals(label, pairwise.settings().get("judge"));
            String md = Files.readString(dir.resolve("report/report.md"));
            assertTrue(md.contains(String.format(Locale.ROOT, "| main | eval_seed | %s | %.2f +/- ", label,
                    pairwise.metrics().get("win_rate"))), md);
        }
    }

    @Test
    void runPrintsTheReportLastAndJudgesPairwise() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer judge = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        judge.createContext("/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            requests.incrementAndGet();
            var body = JSON.createObjectNode();
            body.putArray("choices").addObject().putObject("message").put("role", "assistant")
                    .put("content", "[{'model': 'model_1', 'rank': 1}, {'model': 'model_2', 'rank': 2}]");
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(bytes);
            }
        });
        judge.start();
        try {
            Path samples = EvalStageTest.SAMPLES;
            String evals = """
                  sft_more:
                    type: train
                    data_stage: prepare
                    model_stage: sft
                    tokenizer: %1$s
                    seq_len: 160
                    steps: 2
                    lr: 0.01
                  eval_seed:
                    type: eval
                    model_stage: sft
                    ifeval: {prompts: %2$s, limit: 4, max_new_tokens: 6}
                    heldout: {data: %3$s, limit: 4}
                    pairwise: {prompts: %2$s, limit: 3, max_new_tokens: 6}
                  eval_main:
                    type: eval
                    model_stage: sft_more
                    ifeval: {prompts: %2$s, limit: 4, max_new_tokens: 6}
                    heldout: {data: %3$s, limit: 4}
                    pairwise:
                      prompts: %2$s
                      limit: 3
                      max_new_tokens: 6
                      against: eval_seed
                      judge: {url: "http://127.0.0.1:%4$d/v1", model: loopback, api_key_env: ""}
                  report:
                    type: report
                    strategies: {main: eval_main, seed_only: eval_seed}
                    costs: [sft, sft_more, eval_seed, eval_main]
                """.formatted(samples.resolve("tok512.bin"), samples.resolve("eval_ifeval_prompts.jsonl"),
                    samples.resolve("seed_dolly_open_qa.jsonl"), judge.getAddress().getPort());
            Path recipe = Files.writeString(tmp.resolve("report.yaml"), EvalStageTest.tinyTraining("reported", "alpaca") + evals);
            CliRun run = CliRun.of("run", recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
            assertEquals(0, run.code(), run.err());
            Path dir = EvalStageTest.runDir(tmp.resolve("runs"), "reported");
            List<String> out = run.out().lines().toList();
            assertEquals("done: " + dir, out.get(out.size() - 2));
            assertEquals("report: " + dir.resolve("report/report.md"), out.get(out.size() - 1));
            assertEquals(3, requests.get(), "one judgement per pairwise prompt");

            // a judge that always prefers the answer it saw first: main wins exactly where it was shown first
            EvalResult pairwise = EvalResultFiles.readResult(dir.resolve("eval_main/pairwise"));
            JsonNode annotations = JSON.readTree(dir.resolve("eval_main/pairwise/annotations.json").toFile());
            int swapped = 0;
            for (JsonNode a : annotations) if (a.get("is_swapped").asBoolean()) swapped++;
            assertEquals(100.0 * swapped / 3, pairwise.metrics().get("win_rate"), 1e-9);

            String md = Files.readString(dir.resolve("report/report.md"));
            assertTrue(md.contains("it shows the mechanics of the method, not the paper's effect."), md);
            assertTrue(md.contains("Items evaluated per strategy: ifeval 4, heldout 4."), md);
            for (String b : List.of("ifeval", "heldout")) {
                EvalResult m = EvalResultFiles.readResult(dir.resolve("eval_main").resolve(b));
                EvalResult s = EvalResultFiles.readResult(dir.resolve("eval_seed").resolve(b));
                double main = m.metrics().get(m.primaryMetric()), seed = s.metrics().get(s.primaryMetric());
                assertTrue(md.contains(String.format(Locale.ROOT, "| main | %.4f | %+.4f | [", main, main - seed)), b + "\n" + md);
                assertTrue(md.contains(String.format(Locale.ROOT, "| seed_only (baseline) | %.4f |", seed)), b + "\n" + md);
                assertTrue(Files.isRegularFile(dir.resolve("report").resolve(b + ".png")));
            }
            assertTrue(md.contains(String.format(Locale.ROOT, "| main | eval_seed | loopback | %.2f +/- ", pairwise.metrics().get("win_rate"))), md);
            assertTrue(md.contains("| sft_more | train | "), md);

            CliRun again = CliRun.of("run", recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
            assertEquals(0, again.code(), again.err());
            assertTrue(again.out().contains("report: cached"), again.out());
            assertEquals("report: " + dir.resolve("report/report.md"), again.out().lines().reduce((a, b) -> b).orElseThrow());
            assertEquals(3, requests.get(), "the cached stage asks the judge nothing");
        } finally {
            judge.stop(0);
        }
    }

    private void assertValidationError(String recipe, String expected) throws IOException {
        Path file = Files.writeString(tmp.resolve("r.yaml"), recipe);
        CliRun v = CliRun.of("validate", file.toString());
        assertEquals(2, v.code(), v.out());
        assertTrue(v.err().contains(expected), v.err());
    }
}
