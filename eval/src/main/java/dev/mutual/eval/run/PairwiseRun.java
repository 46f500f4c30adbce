package dev.mutual.eval.run;

import dev.mutual.eval.GenerationSettings;
import dev.mutual.eval.TextGenerator;
import dev.mutual.eval.alpaca.AlpacaEvalReport;
import dev.mutual.eval.alpaca.AlpacaJudgePrompt;
import dev.mutual.eval.alpaca.AlpacaPrompt;
import dev.mutual.eval.alpaca.Annotation;
import dev.mutual.eval.alpaca.ModelOutput;
import dev.mutual.eval.alpaca.ModelOutputs;
import dev.mutual.eval.alpaca.PairwiseJudging;
import dev.mutual.eval.judge.ChatJudge;
import dev.mutual.eval.judge.JudgeRunner;
import dev.mutual.eval.report.EvalOutcome;
import dev.mutual.eval.report.EvalResult;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * AlpacaEval-style pairwise judging: a model's outputs against reference outputs on the same instructions, each pair
 * shown to a judge in a seeded random order. Writes {@code annotations.json} (alpaca_eval's layout),
 * {@code samples.jsonl} and {@code results.json} (win rate with its standard error, length-controlled win rate).
 */
public final class PairwiseRun {
    /** The model outputs file beside results.json, in alpaca_eval's format. */
    public static final String OUTPUTS = "model_outputs.json";

    private PairwiseRun() {}

    /**
     * Answers every prompt with {@code generator} and writes the answers to {@code file} in alpaca_eval's
     * model_outputs.json format.
     *
     * @param name the model's name for the "generator" field
     */
    public static List<ModelOutput> generate(List<AlpacaPrompt> prompts, TextGenerator generator, GenerationSettings generation,
                                             String name, Path file) {
        List<ModelOutput> outputs = ModelOutputs.generate(prompts, generator, generation, name);
        ModelOutputs.write(file, outputs);
        return outputs;
    }

    /**
     * Judges {@code outputs} against {@code reference} (joined on the instruction text) and writes {@code dir}.
     *
     * @param seed         which output the judge sees first, drawn per instruction from this seed
     * @param settings     what results.json records besides the judging (judge endpoint, files, generation)
     * @param afterJudging numbers known only once the judging is done (cache hits, HTTP requests), recorded too
     */
    public static EvalOutcome judge(List<ModelOutput> outputs, String outputsName, List<ModelOutput> reference, String referenceName,
                                    ChatJudge judge, AlpacaJudgePrompt prompt, long seed, int maxConcurrency, Path dir,
                                    EvalResult.RunInfo run, Map<String, Object> settings, Supplier<Map<String, Object>> afterJudging) {
        List<PairwiseJudging.Pair> pairs = PairwiseJudging.pair(outputs, outputsName, reference, referenceName);
        List<Annotation> judged = new PairwiseJudging(judge, prompt, seed, new JudgeRunner(maxConcurrency)).judge(pairs);
        Map<String, Object> all = new LinkedHashMap<>(settings);
        all.putIfAbsent("judge_prompt", prompt.name());
        all.put("judge_format", prompt.format().toString());
        all.put("decoding", prompt.decoding());
        all.put("seed", seed);
        all.put("outputs", outputsName);
        all.put("reference", referenceName);
        all.putAll(afterJudging.get());
        EvalResult result = AlpacaEvalReport.write(dir, judged, run, all);
        return new EvalOutcome(result, AlpacaEvalReport.samples(judged));
    }
}
