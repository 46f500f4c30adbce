package dev.mutual.experiments.cli;

import dev.mutual.eval.judge.CachedChatJudge;
import dev.mutual.eval.judge.JudgeRunner;
import dev.mutual.eval.judge.OpenAiChatClient;
import dev.mutual.eval.mtbench.MtBenchAnswer;
import dev.mutual.eval.mtbench.MtBenchGrading;
import dev.mutual.eval.mtbench.MtBenchJudgePrompts;
import dev.mutual.eval.mtbench.MtBenchJudgement;
import dev.mutual.eval.mtbench.MtBenchQuestion;
import dev.mutual.eval.mtbench.MtBenchReport;
import dev.mutual.eval.report.EvalResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code mutual eval mt-bench}: single-answer grading (1-10 per turn) of a FastChat answer file. Writes
 * OUTPUT/judgments.jsonl, samples.jsonl and results.json.
 */
@Command(name = "mt-bench", mixinStandardHelpOptions = true,
        description = {"MT-Bench single-answer grading: a judge rates both turns 1-10; per-turn and per-category means.",
                "mutual eval mt-bench --answers MODEL.jsonl --questions question.jsonl --judge-prompts judge_prompts.jsonl "
                        + "--reference-answers gpt-4.jsonl --judge-url URL --judge-model NAME --output DIR"})
final class EvalMtBenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--answers", paramLabel = "FILE", required = true,
            description = "Model answers in FastChat's model_answer JSONL format (question_id, model_id, choices[0].turns).")
    Path answers;

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
        List<MtBenchQuestion> qs = MtBenchQuestion.read(questions);
        MtBenchJudgePrompts prompts = MtBenchJudgePrompts.read(judgePrompts);
        Map<Integer, MtBenchAnswer> refs = MtBenchAnswer.read(referenceAnswers);
        Map<Integer, MtBenchAnswer> modelAnswers = MtBenchAnswer.read(answers);
        OpenAiChatClient client = judge.client();
        CachedChatJudge cached = judge.cachedJudge(client, output);
        List<MtBenchJudgement> judgements = new MtBenchGrading(cached, prompts, new JudgeRunner(judge.maxConcurrency))
                .grade(qs, modelAnswers, answers.toString(), refs, referenceAnswers.toString());

        String model = modelAnswers.isEmpty() ? "unknown" : modelAnswers.values().iterator().next().modelId();
        Map<String, Object> settings = new LinkedHashMap<>(judge.settings());
        settings.put("answers", answers.toString());
        settings.put("decoding", MtBenchGrading.DECODING);
        settings.put("cache_hits", cached.hits());
        settings.put("http_requests", client.requestCount());
        EvalResult result = MtBenchReport.write(output, judgements, model, client.model(),
                runInfo.toRunInfo(model, "responses file"), settings);
        Map<String, Double> m = result.metrics();
        spec.commandLine().getOut().printf("judge: %d cached, %d HTTP requests (%d retries)%n", cached.hits(), client.requestCount(), client.retryCount());
        spec.commandLine().getOut().printf("mt_bench: score %.3f (turn 1 %.3f, turn 2 %.3f), %d judgements, %d unparsed%n",
                m.get("score"), m.getOrDefault("score_turn_1", Double.NaN), m.getOrDefault("score_turn_2", Double.NaN),
                m.get("n_judgements").intValue(), m.get("n_unparsed").intValue());
        spec.commandLine().getOut().println("wrote " + output.resolve("results.json"));
    }
}
