package dev.mutual.eval.alpaca;

import dev.mutual.data.UserInputException;
import dev.mutual.eval.judge.CachedChatJudge;
import dev.mutual.eval.judge.JudgeEndpoint;
import dev.mutual.eval.judge.JudgeRunner;
import dev.mutual.eval.judge.LoopbackJudgeServer;
import dev.mutual.eval.judge.OpenAiChatClient;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.report.EvalSample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.*;

/**
 * AlpacaEval judging end to end on real files (alpaca-7b outputs against text-davinci-003, the real judge prompts)
 * with a judge served over loopback HTTP whose rule is known, so every preference can be predicted.
 */
class PairwiseJudgingTest {
    /** A file under ../shared/data/alpaca_eval; the calling test is skipped without it. */
    private static Path data(String file) {
        return assumeShared("alpaca_eval/" + file);
    }

    private static final int N = 40;   // the first 40 instructions keep the test fast
    // AlpacaEval 1's ranking prompt quotes the outputs as "answer": """...""", AlpacaEval 2's as "output": """...""".
    private static final Pattern ANSWER = Pattern.compile("\"(?:answer|output)\": \"\"\"(.*?)\"\"\"", Pattern.DOTALL);

    private static List<PairwiseJudging.Pair> pairs() {
        List<ModelOutput> model = ModelOutputs.read(data("model_outputs/alpaca-7b.json")).subList(0, N);
        List<ModelOutput> reference = ModelOutputs.read(data("model_outputs/text_davinci_003.json"));
        return PairwiseJudging.pair(model, "alpaca-7b.json", reference, "text_davinci_003.json");
    }

    /** The two outputs in the order the judge saw them. */
    private static String[] shownOutputs(LoopbackJudgeServer.Request r) {
        Matcher m = ANSWER.matcher(r.message("user"));
        assertTrue(m.find());
        String first = m.group(1);
        assertTrue(m.find());
        return new String[] {first, m.group(1)};
    }

    private static OpenAiChatClient client(LoopbackJudgeServer server) {
        return new OpenAiChatClient(JudgeEndpoint.of(server.baseUrl(), "loopback-judge"), "test-key");
    }

    @Test
    void longerOutputJudgeGivesPredictablePreferencesWhateverTheOrder(@TempDir Path tmp) throws Exception {
        AlpacaJudgePrompt prompt = AlpacaJudgePrompt.read(data("judge_prompts/alpaca_eval_gpt4__alpaca_eval.txt"));
        assertEquals(AlpacaJudgePrompt.Format.RANKING, prompt.format());
        // Ranks the longer output first; item 3's request gets a reply that is not a ranking.
        String item3 = pairs().get(3).model().instruction();
        try (var server = new LoopbackJudgeServer(r -> {
            if (r.message("user").contains(item3)) return LoopbackJudgeServer.Response.chat("I cannot decide.");
            String[] shown = shownOutputs(r);
            int rank1 = shown[0].length() >= shown[1].length() ? 1 : 2;
            return LoopbackJudgeServer.Response.chat("[\n    {'model': 'model_1', 'rank': " + rank1 + "},\n    {'model': 'model_2', 'rank': " + (3 - rank1) + "}\n]");
        })) {
            CachedChatJudge judge = new CachedChatJudge(client(server), tmp.resolve("cache"));
            List<Annotation> annotations = new PairwiseJudging(judge, prompt, 123, new JudgeRunner(4)).judge(pairs());

            assertEquals(N, annotations.size());
            int swapped = 0, expectedWins = 0;
            for (int i = 0; i < N; i++) {
                Annotation a = annotations.get(i);
                PairwiseJudging.Pair p = pairs().get(i);
                assertEquals(p.reference().output(), a.output1(), "output_1 is always the reference");
                assertEquals(p.model().output(), a.output2());
                if (a.swapped()) swapped++;
                if (i == 3) {
                    assertNull(a.preference(), "unparsable reply kept as null");
                    assertEquals("I cannot decide.", a.rawCompletion());
                    continue;
                }
                // The judge prefers the longer text; ties go to whichever it saw first.
                int modelLen = p.model().output().length(), refLen = p.reference().output().length();
                double expected = modelLen > refLen ? 2 : modelLen < refLen ? 1 : (a.swapped() ? 2 : 1);
                assertEquals(expected, a.preference(), "item " + i);
                if (expected == 2) expectedWins++;
            }
            assertTrue(swapped > 5 && swapped < N - 5, "order randomised: " + swapped + " of " + N + " swapped");
            assertEquals(N, server.requests().size());
            assertEquals("Bearer test-key", server.requests().get(0).authorization());

            EvalResult result = AlpacaEvalReport.write(tmp.resolve("out"), annotations, EvalResult.RunInfo.UNKNOWN, Map.of());
            assertEquals(1.0, result.metrics().get("n_unparsed"));
            assertEquals(N - 1.0, result.metrics().get("n_total"));
            assertEquals(100.0 * expectedWins / (N - 1), result.metrics().get("win_rate"), 1e-9);
            List<EvalSample> samples = EvalResultFiles.readSamples(tmp.resolve("out"));
            assertEquals(N, samples.size(), "the unparsable judgement stays in samples");
            assertEquals(Boolean.FALSE, samples.get(3).details().get("parsed"));
            assertTrue(samples.get(3).scores().isEmpty());

            // Re-running costs nothing: every judgement comes from the cache, with the same result.
            CachedChatJudge rerun = new CachedChatJudge(client(server), tmp.resolve("cache"));
            assertEquals(annotations, new PairwiseJudging(rerun, prompt, 123, new JudgeRunner(4)).judge(pairs()));
            assertEquals(N, server.requests().size(), "no new HTTP requests");
            assertEquals(N, rerun.hits());
        }
    }

    @Test
    void positionBiasedJudgeIsCancelledByRandomisation(@TempDir Path tmp) throws Exception {
        AlpacaJudgePrompt prompt = AlpacaJudgePrompt.read(data("judge_prompts/alpaca_eval_clf_gpt4_turbo__alpaca_eval_clf.txt"));
        assertEquals(AlpacaJudgePrompt.Format.MODEL_IDENTIFIER, prompt.format());
        // Always 70% for whichever output came first ("m"), whatever the content.
        try (var server = new LoopbackJudgeServer(r -> new LoopbackJudgeServer.Response(200,
                LoopbackJudgeServer.chatBody("m", Map.of("m", Math.log(0.7), "M", Math.log(0.3))), Map.of(), 0))) {
            List<Annotation> annotations = new PairwiseJudging(client(server), prompt, 7, new JudgeRunner(2)).judge(pairs());
            for (Annotation a : annotations) {
                // seen preference 1 + P(M) = 1.3; when the model came first that means the model is preferred: 3 - 1.3
                assertEquals(a.swapped() ? 1.7 : 1.3, a.preference(), 1e-12);
            }
            assertEquals(1, server.requests().get(0).body().get("max_tokens").asInt());
            assertEquals(5, server.requests().get(0).body().get("top_logprobs").asInt());
        }
    }

    @Test
    void sameSeedSameOrderDifferentSeedDifferentOrder() {
        List<PairwiseJudging.Pair> pairs = pairs();
        int differ = 0;
        for (PairwiseJudging.Pair p : pairs) {
            String instruction = p.model().instruction();
            assertEquals(PairwiseJudging.isSwapped(1, instruction), PairwiseJudging.isSwapped(1, instruction));
            if (PairwiseJudging.isSwapped(1, instruction) != PairwiseJudging.isSwapped(2, instruction)) differ++;
        }
        assertTrue(differ > 5, "seeds 1 and 2 give different orders: " + differ);
    }

    @Test
    void outputsForUnknownInstructionsAreRejectedWithTheEntry() {
        List<ModelOutput> reference = ModelOutputs.read(data("model_outputs/text_davinci_003.json"));
        List<ModelOutput> model = List.of(reference.get(0), new ModelOutput("Not an AlpacaEval prompt", "x", "m", null));
        UserInputException e = assertThrows(UserInputException.class, () -> PairwiseJudging.pair(model, "mine.json", reference, "ref.json"));
        assertTrue(e.getMessage().contains("mine.json (entry 1)"), e.getMessage());
        assertTrue(e.getMessage().contains("Not an AlpacaEval prompt"), e.getMessage());
    }

    @Test
    void malformedModelOutputsNameFileAndLine(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("outputs.json");
        java.nio.file.Files.writeString(file, "[\n  {\"instruction\": \"a\", \"output\": \"b\"},\n  {\"instruction\": \"c\"}\n]");
        UserInputException e = assertThrows(UserInputException.class, () -> ModelOutputs.read(file));
        assertTrue(e.getMessage().contains("outputs.json:3 (entry 1)"), e.getMessage());
        assertTrue(e.getMessage().contains("\"output\""), e.getMessage());
    }

    @Test
    void generatedOutputsExportInAlpacaEvalFormat(@TempDir Path tmp) throws Exception {
        List<AlpacaPrompt> prompts = AlpacaPrompt.read(data("alpaca_eval_805_prompts.jsonl"));
        assertEquals(805, prompts.size());
        List<ModelOutput> reference = ModelOutputs.read(data("model_outputs/text_davinci_003.json"));
        // A generator that answers with the reference output: the export must then equal the reference file's entries.
        Map<String, String> answers = new java.util.HashMap<>();
        for (ModelOutput r : reference) answers.put(r.instruction(), r.output());
        List<ModelOutput> generated = ModelOutputs.generate(prompts,
                (ps, settings) -> ps.stream().map(answers::get).toList(), ModelOutputs.GENERATION, "text_davinci_003");
        Path file = tmp.resolve("model_outputs.json");
        ModelOutputs.write(file, generated);

        assertEquals(reference, ModelOutputs.read(file));
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
        List<String> keys = new java.util.ArrayList<>();
        json.get(0).fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("instruction", "output", "generator", "dataset"), keys, "exactly alpaca_eval's keys");
    }
}
