package dev.mutual.eval.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.eval.alpaca.AlpacaAnnotations;
import dev.mutual.eval.alpaca.AlpacaPrompt;
import dev.mutual.eval.alpaca.ModelOutputs;
import dev.mutual.eval.likelihood.LikelihoodData;
import dev.mutual.eval.mtbench.MtBenchAnswer;
import dev.mutual.eval.mtbench.MtBenchQuestion;
import dev.mutual.eval.ifeval.IfevalEvaluator;
import dev.mutual.eval.ifeval.IfevalPrompt;
import dev.mutual.eval.ifeval.IfevalPrompts;
import dev.mutual.eval.ifeval.IfevalResponses;
import dev.mutual.eval.likelihood.MultipleChoiceItem;
import dev.mutual.eval.likelihood.ScoresFile;
import dev.mutual.eval.reasoning.ReasoningItem;
import dev.mutual.eval.reasoning.ResponsesFile;
import dev.mutual.eval.report.ComparedRun;
import dev.mutual.eval.report.Comparison;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.report.EvalSample;
import dev.mutual.eval.report.PairedBootstrap;
import dev.mutual.testing.fuzz.Fuzzer;
import dev.mutual.testing.fuzz.Seed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the evaluation files a user hands over (see {@link Fuzzer} for the rules and how to replay a case):
 * results.json and samples.jsonl as {@code compare} reads them, IFEval prompts and responses (then scored), a
 * likelihood scores file, reasoning responses, AlpacaEval model outputs, and benchmark inputs (MT-Bench questions and
 * answers, AlpacaEval prompts and annotations, likelihood sets). Seeds are the repository's samples and
 * files written by Mutual's own writers from them.
 */
class EvalFilesFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SAMPLES = Path.of("../samples");

    @TempDir
    Path tmp;

    /** An evaluation directory, one of its two files mutated, compared with an intact one as {@code mutual compare} does. */
    @Test
    void compareFailsCleanOnMutatedResults() throws IOException {
        Path baseline = tmp.resolve("baseline");
        writeEvaluation(baseline);
        List<Seed> seeds = List.of(Seed.of(baseline.resolve(EvalResultFiles.RESULTS), Seed.Kind.JSON),
                Seed.of(baseline.resolve(EvalResultFiles.SAMPLES), Seed.Kind.JSONL));
        ComparedRun base = ComparedRun.load(baseline, "baseline");
        Fuzzer.Report report = Fuzzer.run("eval-results", seeds, 1500, (c, dir) -> {
            for (String name : new String[] {EvalResultFiles.RESULTS, EvalResultFiles.SAMPLES}) {
                if (!name.equals(c.origin().name())) Files.copy(baseline.resolve(name), dir.resolve(name));
            }
            c.write(dir);
            Comparison.of(base, List.of(ComparedRun.load(dir, "candidate")), new PairedBootstrap(200, 1, 0.95));
        });
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    /** IFEval's input file or a responses file mutated, then every response scored against every prompt. */
    @Test
    void ifevalFilesFailCleanWhenMutated() throws IOException {
        Seed prompts = Seed.head(SAMPLES.resolve("eval_ifeval_prompts.jsonl"), Seed.Kind.JSONL, 8);
        Path promptFile = Files.write(tmp.resolve(prompts.name()), prompts.bytes());
        List<IfevalPrompt> real = IfevalPrompts.read(promptFile);
        List<JsonNode> dolly = dolly(real.size());
        StringBuilder responses = new StringBuilder();
        for (int i = 0; i < real.size(); i++) {
            ObjectNode r = JSON.createObjectNode().put("prompt", real.get(i).prompt()).put("response", dolly.get(i).path("response").asText());
            responses.append(r).append('\n');
        }
        Seed responsesSeed = Seed.text("responses.jsonl", Seed.Kind.JSONL, responses.toString());
        Path responsesFile = Files.write(tmp.resolve("responses.jsonl"), responsesSeed.bytes());
        Map<String, String> realResponses = IfevalResponses.read(responsesFile);
        Fuzzer.Report report = Fuzzer.run("ifeval-files", List.of(prompts, responsesSeed), 2000, (c, dir) -> {
            Path file = c.write(dir);
            boolean isPrompts = c.origin() == prompts;
            IfevalEvaluator.evaluate(isPrompts ? IfevalPrompts.read(file) : real, isPrompts ? realResponses : IfevalResponses.read(file), i -> { });
        });
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    /** A likelihood scores file (as an external scorer writes it) for the multiple-choice reference items. */
    @Test
    void scoresFileFailsCleanWhenMutated() throws IOException {
        List<MultipleChoiceItem> items = new ArrayList<>();
        StringBuilder scores = new StringBuilder();
        int request = 0;
        for (String line : Files.readAllLines(Path.of("src/test/resources/likelihood/mc_reference.jsonl"), StandardCharsets.UTF_8)) {
            if (items.size() == 6) break;
            JsonNode r = JSON.readTree(line);
            List<String> choices = new ArrayList<>();
            r.get("choices").forEach(ch -> choices.add(ch.asText()));
            items.add(new MultipleChoiceItem(r.get("id").asText(), r.get("query").asText(), choices, r.get("gold").asInt()));
            for (int c = 0; c < choices.size(); c++) {
                scores.append(JSON.createObjectNode().put("request", request++).put("id", r.get("id").asText())
                        .put("logprob", r.get("lls").get(c).asDouble()).put("tokens", 1 + c)).append('\n');
            }
        }
        List<ScoresFile.LabelledRequest> requests = ScoresFile.requests(items);
        Fuzzer.Report report = Fuzzer.run("scores-file", List.of(Seed.text("scores.jsonl", Seed.Kind.JSONL, scores.toString())), 2500,
                (c, dir) -> ScoresFile.read(c.write(dir), requests));
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    /** A reasoning responses file naming items by id, index or question. */
    @Test
    void reasoningResponsesFailCleanWhenMutated() {
        List<JsonNode> dolly = dolly(8);
        List<ReasoningItem> items = new ArrayList<>();
        StringBuilder responses = new StringBuilder();
        for (int i = 0; i < dolly.size(); i++) {
            items.add(new ReasoningItem("gsm8k-" + i, i, dolly.get(i).path("instruction").asText(), "42"));
            ObjectNode r = JSON.createObjectNode();
            if (i % 3 == 0) r.put("id", "gsm8k-" + i);
            else if (i % 3 == 1) r.put("index", i);
            else r.put("question", dolly.get(i).path("instruction").asText());
            responses.append(r.put("response", dolly.get(i).path("response").asText() + " The answer is 42.")).append('\n');
        }
        Fuzzer.Report report = Fuzzer.run("reasoning-responses", List.of(Seed.text("responses.jsonl", Seed.Kind.JSONL, responses.toString())), 3000,
                (c, dir) -> ResponsesFile.read(c.write(dir), items));
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    /** AlpacaEval model outputs: one JSON array. */
    @Test
    void alpacaModelOutputsFailCleanWhenMutated() {
        ArrayNode outputs = JSON.createArrayNode();
        for (JsonNode d : dolly(8)) {
            outputs.addObject().put("instruction", d.path("instruction").asText()).put("output", d.path("response").asText())
                    .put("generator", "seed-only").put("dataset", "helpful_base");
        }
        Fuzzer.Report report = Fuzzer.run("alpaca-outputs", List.of(Seed.text("model_outputs.json", Seed.Kind.JSON, outputs.toString())), 3000,
                (c, dir) -> ModelOutputs.read(c.write(dir)));
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    /**
     * Benchmark input files in their published layouts, built from the Dolly sample: MT-Bench questions and answers,
     * AlpacaEval prompts and annotations, likelihood multiple-choice and held-out sets.
     */
    @Test
    void benchmarkFilesFailCleanWhenMutated() {
        List<JsonNode> dolly = dolly(8);
        StringBuilder questions = new StringBuilder(), answers = new StringBuilder(), prompts = new StringBuilder();
        StringBuilder choices = new StringBuilder(), heldOut = new StringBuilder();
        ArrayNode annotations = JSON.createArrayNode();
        for (int i = 0; i < dolly.size(); i++) {
            String q = dolly.get(i).path("instruction").asText(), a = dolly.get(i).path("response").asText();
            ObjectNode question = JSON.createObjectNode().put("question_id", 81 + i).put("category", "writing");
            question.putArray("turns").add(q).add("Now in one sentence.");
            questions.append(question).append('\n');
            ObjectNode answer = JSON.createObjectNode().put("question_id", 81 + i).put("model_id", "seed-only");
            answer.putArray("choices").addObject().put("index", 0).putArray("turns").add(a).add(a.split("\\. ")[0]);
            answers.append(answer).append('\n');
            prompts.append(JSON.createObjectNode().put("id", i).put("dataset", "helpful_base").put("instruction", q)).append('\n');
            ObjectNode mc = JSON.createObjectNode().put("id", "q" + i).put("query", q).put("gold", i % 2);
            mc.putArray("choices").add(a).add("I do not know.");
            choices.append(mc).append('\n');
            heldOut.append(JSON.createObjectNode().put("id", "h" + i).put("instruction", q).put("response", a)).append('\n');
            annotations.addObject().put("instruction", q).put("output_1", a).put("generator_1", "reference").put("dataset", "helpful_base")
                    .put("output_2", "I do not know.").put("generator_2", "seed-only").put("annotator", "loopback")
                    .put("preference", i % 3 == 0 ? 2.0 : 1.0).put("raw_completion", "m");
        }
        List<Seed> seeds = List.of(Seed.text("question.jsonl", Seed.Kind.JSONL, questions.toString()),
                Seed.text("answers.jsonl", Seed.Kind.JSONL, answers.toString()),
                Seed.text("alpaca_eval_prompts.jsonl", Seed.Kind.JSONL, prompts.toString()),
                Seed.text("annotations.json", Seed.Kind.JSON, annotations.toString()),
                Seed.text("multiple_choice.jsonl", Seed.Kind.JSONL, choices.toString()),
                Seed.text("heldout.jsonl", Seed.Kind.JSONL, heldOut.toString()));
        Fuzzer.Report report = Fuzzer.run("benchmark-files", seeds, 3000, (c, dir) -> {
            Path file = c.write(dir);
            switch (c.origin().name()) {
                case "question.jsonl" -> MtBenchQuestion.read(file);
                case "answers.jsonl" -> MtBenchAnswer.read(file);
                case "alpaca_eval_prompts.jsonl" -> AlpacaPrompt.read(file);
                case "annotations.json" -> AlpacaAnnotations.read(file);
                case "multiple_choice.jsonl" -> LikelihoodData.readMultipleChoice(file);
                default -> LikelihoodData.readHeldOut(file);
            }
        });
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    /** A real-looking IFEval evaluation: the sample prompts, Dolly responses as the answers, per-sample scores. */
    private static void writeEvaluation(Path dir) {
        List<JsonNode> dolly = dolly(8);
        List<EvalSample> samples = new ArrayList<>();
        double sum = 0;
        for (int i = 0; i < dolly.size(); i++) {
            double acc = i % 3 == 0 ? 0.0 : 1.0;
            sum += acc;
            Map<String, Double> scores = new LinkedHashMap<>();
            scores.put("prompt_strict", acc);
            scores.put("prompt_loose", 1.0);
            samples.add(new EvalSample(Integer.toString(1000 + i), dolly.get(i).path("instruction").asText(),
                    dolly.get(i).path("response").asText(), scores, Map.of("instructions", List.of("punctuation:no_comma"))));
        }
        EvalResultFiles.write(dir, new EvalResult("ifeval", 1, Map.of("prompt_strict", sum / dolly.size(), "prompt_loose", 1.0),
                "prompt_strict", dolly.size(), new EvalResult.RunInfo("samples/stories260K.bin", "seed-only", "cli", "unknown"),
                Map.of("max_new_tokens", 1024, "temperature", 0.0)), samples);
    }

    private static List<JsonNode> dolly(int n) {
        List<JsonNode> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(SAMPLES.resolve("seed_dolly_open_qa.jsonl"), StandardCharsets.UTF_8)) {
                if (out.size() == n) break;
                out.add(JSON.readTree(line));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }
}
