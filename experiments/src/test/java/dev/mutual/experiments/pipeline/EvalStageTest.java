package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.chat.EncodedChat;
import dev.mutual.data.chat.PairDirection;
import dev.mutual.eval.ifeval.IfevalPrompt;
import dev.mutual.eval.ifeval.IfevalPrompts;
import dev.mutual.eval.model.LoadedModel;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.report.EvalSample;
import dev.mutual.experiments.cli.CliRun;
import dev.mutual.trainer.inference.GenerationOptions;
import dev.mutual.trainer.inference.Generator;
import dev.mutual.trainer.inference.Scorer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The eval stage on a tiny model trained in the test (d=32, the repository's tok512.bin) with the vicuna template:
 * IFEval answers are the model's greedy replies under the template it was trained with, held-out scores are the
 * trainer Scorer's log-likelihood of exactly the reply tokens training puts loss on, and every benchmark folder
 * is in the evaluation-directory layout.
 */
class EvalStageTest {
    static final Path SAMPLES = Path.of("../samples").toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** prepare + a 3-step SFT of a random d=32 decoder: what every eval test evaluates. */
    static String tinyTraining(String name, String template) {
        return """
                name: %s
                seed: 5
                stages:
                  prepare:
                    type: prepare_data
                    sources:
                      - path: %s
                        format: dolly
                        limit: 40
                  sft:
                    type: train
                    data_stage: prepare
                    init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64}
                    tokenizer: %s
                    chat_template: %s
                    seq_len: 160
                    micro_batch: 4
                    steps: 3
                    lr: 0.01
                """.formatted(name, SAMPLES.resolve("seed_dolly_open_qa.jsonl"), SAMPLES.resolve("tok512.bin"), template);
    }

    static Path runDir(Path runs, String name) throws IOException {
        try (Stream<Path> d = Files.list(runs.resolve(name))) {
            return d.findFirst().orElseThrow();
        }
    }

    @Test
    void evaluatesWithTheTrainedTemplateAndWritesEveryBenchmark() throws Exception {
        Path gsm8k = Files.writeString(tmp.resolve("gsm8k.jsonl"), """
                {"question": "Tom has 3 apples and buys 2 more. How many apples does he have?", "answer": "3 + 2 = 5\\n#### 5"}
                {"question": "A box holds 4 pens. How many pens are in 3 boxes?", "answer": "4 * 3 = 12\\n#### 12"}
                """);
        Path recipe = Files.writeString(tmp.resolve("eval.yaml"), tinyTraining("evaltest", "vicuna") + """
                  eval:
                    type: eval
                    model_stage: sft
                    ifeval: {prompts: %s, limit: 3, max_new_tokens: 8}
                    heldout: {data: %s, limit: 4}
                    gsm8k: {data: %s, shots: 1, max_new_tokens: 8}
                    batch_size: 2
                """.formatted(SAMPLES.resolve("eval_ifeval_prompts.jsonl"), SAMPLES.resolve("seed_dolly_open_qa.jsonl"), gsm8k));
        CliRun run = CliRun.of("run", recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
        assertEquals(0, run.code(), run.err());
        Path eval = runDir(tmp.resolve("runs"), "evaltest").resolve("eval");

        try (LoadedModel m = LoadedModel.open(eval.resolveSibling("sft/model"), null, true, 1)) {
            ChatEncoder vicuna = new ChatEncoder(m.tokenizer(), ChatTemplate.forTokenizer("vicuna", m.tokenizer()));

            // IFEval: the greedy reply to each prompt as one vicuna user turn, stopped at the model's EOS
            List<IfevalPrompt> prompts = IfevalPrompts.read(SAMPLES.resolve("eval_ifeval_prompts.jsonl")).subList(0, 3);
            List<JsonNode> responses = lines(eval.resolve("ifeval/responses.jsonl"));
            assertEquals(3, responses.size());
            for (int i = 0; i < 3; i++) {
                int[] ids = vicuna.promptIds(List.of(ChatMessage.user(prompts.get(i).prompt())));
                Generator.Result r = new Generator(m.decoder()).generate(List.of(ids),
                        GenerationOptions.greedy(8).withStops(m.eosTokenIds(), List.of()), null).get(0);
                int[] all = Arrays.copyOf(ids, ids.length + r.tokens().length);
                System.arraycopy(r.tokens(), 0, all, ids.length, r.tokens().length);
                String expected = m.tokenizer().decode(all).substring(m.tokenizer().decode(ids).length());
                assertEquals(expected, responses.get(i).get("response").asText(), "prompt " + i);
            }
            EvalResult ifeval = EvalResultFiles.readResult(eval.resolve("ifeval"));
            assertEquals(3, ifeval.n());
            assertEquals("vicuna", ifeval.settings().get("chat_template"));
            assertEquals(8, ifeval.settings().get("max_new_tokens"));
            assertTrue(Files.isRegularFile(eval.resolve("ifeval/eval_results_strict.jsonl")));

            // held-out: log p(reply + end of turn | vicuna prompt), the tokens the training loss covers
            List<EvalSample> samples = EvalResultFiles.readSamples(eval.resolve("heldout"));
            List<JsonNode> pairs = lines(SAMPLES.resolve("seed_dolly_open_qa.jsonl")).subList(0, 4);
            assertEquals(4, samples.size());
            Scorer scorer = new Scorer(m.decoder(), 1);
            for (int i = 0; i < 4; i++) {
                EncodedChat chat = vicuna.encode(PairDirection.FORWARD.conversation(null,
                        pairs.get(i).get("instruction").asText(), pairs.get(i).get("response").asText()));
                int first = 0;
                while (chat.lossMask()[first] == 0) first++;
                int[] target = Arrays.copyOfRange(chat.ids(), first, first + chat.trainableTokens());
                double expected = scorer.score(new Scorer.Request(Arrays.copyOf(chat.ids(), first), target)).sumLogprob();
                EvalSample s = samples.get(i);
                assertEquals(pairs.get(i).get("id").asText(), s.id());
                assertEquals(expected, s.scores().get("loglik"), 1e-4, "pair " + i);
                assertEquals(target.length, ((Number) s.details().get("tokens")).intValue());
                assertEquals(expected / target.length, s.scores().get("loglik_per_token"), 1e-5);
            }
        }
        EvalResult heldout = EvalResultFiles.readResult(eval.resolve("heldout"));
        assertEquals("loglik_per_token", heldout.primaryMetric());

        // GSM8K: the 1-shot prompt continued as raw text (no chat template), both items scored
        EvalResult gsm = EvalResultFiles.readResult(eval.resolve("gsm8k"));
        assertEquals(2, gsm.n());
        assertEquals(2, lines(eval.resolve("gsm8k/responses.jsonl")).size());
        assertTrue(lines(eval.resolve("gsm8k/responses.jsonl")).get(0).get("prompt").asText().startsWith("Q: "));
        assertFalse(gsm.settings().containsKey("chat_template"));

        // summary.json: the primary metric of each benchmark as results.json has it, with time and tokens/s
        JsonNode summary = JSON.readTree(eval.resolve("summary.json").toFile());
        assertEquals("vicuna", summary.get("chat_template").asText());
        for (String b : List.of("ifeval", "heldout", "gsm8k")) {
            EvalResult r = EvalResultFiles.readResult(eval.resolve(b));
            JsonNode s = summary.get("benchmarks").get(b);
            assertEquals(r.primaryMetric(), s.get("metric").asText(), b);
            assertEquals(r.metrics().get(r.primaryMetric()), s.get("value").asDouble(), 0.0, b);
            assertTrue(s.get("tokens").asLong() > 0 && s.get("tokens_per_s").asDouble() > 0, b + ": " + s);
        }

        CliRun again = CliRun.of("run", recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("eval: cached"), again.out());
    }

    @Test
    void validationNamesTheKeyOfABadReference() throws IOException {
        String base = tinyTraining("bad", "alpaca");
        String reverse = base.replace("    lr: 0.01\n", "    lr: 0.01\n    direction: reverse\n");
        assertValidationError(reverse + """
                  eval:
                    type: eval
                    model_stage: sft
                    ifeval: {}
                """, "stages.eval.model_stage: stage 'sft' trains direction reverse");
        assertValidationError(base + """
                  eval_a:
                    type: eval
                    model_stage: sft
                    ifeval: {}
                  eval_b:
                    type: eval
                    model_stage: sft
                    pairwise: {prompts: %s, against: eval_a}
                """.formatted(SAMPLES.resolve("eval_ifeval_prompts.jsonl")), "pairwise.against: stage 'eval_a' has no pairwise block");
        assertValidationError(base + """
                  eval:
                    type: eval
                    model_stage: sft
                    pairwise: {prompts: %s, judge: {url: "http://127.0.0.1:9/v1", model: m}}
                """.formatted(SAMPLES.resolve("eval_ifeval_prompts.jsonl")), "judge: needs 'against: STAGE'");
        assertValidationError(base + """
                  eval:
                    type: eval
                    model_stage: sft
                """, "expected at least one benchmark");
    }

    @Test
    void aMissingJudgeKeyStopsBeforeAnyGeneration() throws IOException {
        Path prompts = SAMPLES.resolve("eval_ifeval_prompts.jsonl");
        Path recipe = Files.writeString(tmp.resolve("key.yaml"), tinyTraining("key", "alpaca") + """
                  eval_a:
                    type: eval
                    model_stage: sft
                    pairwise: {prompts: %s, limit: 2, max_new_tokens: 4}
                  eval_b:
                    type: eval
                    model_stage: sft
                    pairwise:
                      prompts: %s
                      limit: 2
                      max_new_tokens: 4
                      against: eval_a
                      judge: {url: "http://127.0.0.1:9/v1", model: m, api_key_env: MUTUAL_TEST_SURELY_UNSET_KEY}
                """.formatted(prompts, prompts));
        CliRun run = CliRun.of("run", recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
        assertEquals(2, run.code(), run.out());
        assertTrue(run.err().contains("pairwise.judge.api_key_env: environment variable MUTUAL_TEST_SURELY_UNSET_KEY is not set"), run.err());
        Path dir = runDir(tmp.resolve("runs"), "key");
        assertFalse(Files.exists(dir.resolve("eval_b")), "no finished-looking folder");
        assertFalse(Files.exists(dir.resolve("eval_b.partial/pairwise")), "stopped before generating");
    }

    private void assertValidationError(String recipe, String expected) throws IOException {
        Path file = Files.writeString(tmp.resolve("r.yaml"), recipe);
        CliRun v = CliRun.of("validate", file.toString());
        assertEquals(2, v.code(), v.out());
        assertTrue(v.err().contains(expected), v.err());
    }

    static List<JsonNode> lines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) if (!line.isBlank()) out.add(JSON.readTree(line));
        return out;
    }
}
