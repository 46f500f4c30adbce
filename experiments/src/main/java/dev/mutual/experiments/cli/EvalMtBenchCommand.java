package dev.mutual.experiments.cli;

import dev.mutual.data.InputFiles;
import dev.mutual.eval.judge.CachedChatJudge;
import dev.mutual.eval.judge.JudgeRunner;
import dev.mutual.eval.judge.OpenAiChatClient;
import dev.mutual.eval.GenerationSettings;
import dev.mutual.eval.mtbench.MtBenchAnswer;
import dev.mutual.eval.mtbench.MtBenchAnswering;
import dev.mutual.eval.mtbench.MtBenchGrading;
import dev.mutual.eval.mtbench.MtBenchJudgePrompts;
import dev.mutual.eval.mtbench.MtBenchJudgement;
import dev.mutual.eval.mtbench.MtBenchQuestion;
import dev.mutual.eval.mtbench.MtBenchReport;
import dev.mutual.eval.report.EvalResult;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code mutual eval mt-bench}: single-answer grading (1-10 per turn) of a FastChat answer file. Writes
 * OUTPUT/judgments.jsonl, samples.jsonl and results.json. With {@code --model} instead of {@code --answers}, the model
 * first answers both turns of every question (OUTPUT/model_answer.jsonl, FastChat's format), which are then graded.
 */
@Command(name = "mt-bench", mixinStandardHelpOptions = true,
        description = {"MT-Bench single-answer grading: a judge rates both turns 1-10; per-turn and per-category means.",
                "mutual eval mt-bench --answers MODEL.jsonl --questions question.jsonl --judge-prompts judge_prompts.jsonl "
                        + "--reference-answers gpt-4.jsonl --judge-url URL --judge-model NAME --output DIR"})
final class EvalMtBenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Exactly one source of answers: a file, or a model that writes them. */
    static final class Source {
        @Option(names = "--answers", paramLabel = "FILE", required = true,
                description = "Model answers in FastChat's model_answer JSONL format (question_id, model_id, choices[0].turns).")
        Path answers;

        @ArgGroup(exclusive = false, multiplicity = "1", heading = "Generate the answers with a model (OUTPUT/model_answer.jsonl):%n")
        ModelOptions model;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Mixin
    ModelEvalOptions modelEval;

    @Option(names = "--questions", paramLabel = "FILE", required = true, description = "shared/data/mt_bench/question.jsonl")
    Path questions;

    @Option(names = "--judge-prompts", paramLabel = "FILE", required = true, description = "shared/data/mt_bench/judge_prompts.jsonl")
    Path judgePrompts;

    @Option(names = "--reference-answers", paramLabel = "FILE", required = true,
            description = "shared/data/mt_bench/reference_answer/gpt-4.jsonl (shown to the judge for math, reasoning, coding)")
    Path referenceAnswers;

    @Option(names = "--output", paramLabel = "DIR", required = true, description = "Evaluation directory to write.")
    Path output;

    @Mixin
    JudgeOptions judge;

    @Mixin
    RunInfoOptions runInfo;

    @Override
    public void run() {
        InputFiles.requireOutputDirectory(output, "--output " + output);
        modelEval.check(source.model != null);
        List<MtBenchQuestion> qs = modelEval.limit(MtBenchQuestion.read(questions));
        MtBenchJudgePrompts prompts = MtBenchJudgePrompts.read(judgePrompts);
        Map<Integer, MtBenchAnswer> refs = MtBenchAnswer.read(referenceAnswers);
        Map<String, Object> generated = source.model == null ? null : generateAnswers(qs);
        Path answers = source.model == null ? source.answers : output.resolve(ANSWERS);
        if (generated != null && judge.judgeUrl == null) {
            spec.commandLine().getOut().println("wrote " + answers + "; give --judge-url and --judge-model to grade them");
            return;
        }
        Map<Integer, MtBenchAnswer> modelAnswers = MtBenchAnswer.read(answers);
        OpenAiChatClient client = judge.client();
        CachedChatJudge cached = judge.cachedJudge(client, output);
        List<MtBenchJudgement> judgements = new MtBenchGrading(cached, prompts, new JudgeRunner(judge.maxConcurrency))
                .grade(qs, modelAnswers, answers.toString(), refs, referenceAnswers.toString());

        String model = modelAnswers.isEmpty() ? "unknown" : modelAnswers.values().iterator().next().modelId();
        Map<String, Object> settings = new LinkedHashMap<>(judge.settings());
        settings.put("judge", client.label());
        settings.put("answers", answers.toString());
        if (generated != null) settings.put("generation", generated);
        settings.put("decoding", MtBenchGrading.DECODING);
        settings.put("cache_hits", cached.hits());
        settings.put("http_requests", client.requestCount());
        EvalResult result = MtBenchReport.write(output, judgements, model, client.label(),
                runInfo.toRunInfo(model, "responses file"), settings);
        Map<String, Double> m = result.metrics();
        spec.commandLine().getOut().printf("judge: %d cached, %d HTTP requests (%d retries)%n", cached.hits(), client.requestCount(), client.retryCount());
        spec.commandLine().getOut().printf("mt_bench: score %.3f (turn 1 %.3f, turn 2 %.3f), %d judgements, %d unparsed%n",
                m.get("score"), m.getOrDefault("score_turn_1", Double.NaN), m.getOrDefault("score_turn_2", Double.NaN),
                m.get("n_judgements").intValue(), m.get("n_unparsed").intValue());
        spec.commandLine().getOut().println("wrote " + output.resolve("results.json"));
    }

    /** Name of the answers file --model writes into OUTPUT. */
    static final String ANSWERS = "model_answer.jsonl";

    /** Both turns of every question answered by --model, written as OUTPUT/model_answer.jsonl; returns the settings. */
    private Map<String, Object> generateAnswers(List<MtBenchQuestion> qs) {
        GenerationSettings generation = modelEval.settings(MtBenchAnswering.GENERATION);
        try (ModelOptions.Loaded m = source.model.load(false)) {
            String name = runInfo.model != null ? runInfo.model : source.model.model.getFileName().toString();
            MtBenchAnswering.write(output.resolve(ANSWERS),
                    MtBenchAnswering.answer(qs, modelEval.generator(m, true), generation, name));
        }
        Map<String, Object> record = new LinkedHashMap<>(modelEval.record(source.model, generation, qs.size()));
        record.put("responses_file", ANSWERS);
        return record;
    }
}
