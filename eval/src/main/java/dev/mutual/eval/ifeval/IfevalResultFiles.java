package dev.mutual.eval.ifeval;

import dev.mutual.data.AtomicFile;
import dev.mutual.eval.report.EvalOutcome;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.report.EvalSample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an IFEval run: the reference's {@code eval_results_strict.jsonl} and {@code eval_results_loose.jsonl} (one
 * line per prompt, byte-compatible with Python's {@code json.dumps}: sorted keys, ", " and ": " separators,
 * non-ASCII escaped), then Mutual's {@code samples.jsonl} and {@code results.json}. Each file is written to a temp
 * file and renamed; {@code results.json} comes last, so a finished-looking directory is a finished one.
 */
public final class IfevalResultFiles {
    public static final String STRICT = "eval_results_strict.jsonl";
    public static final String LOOSE = "eval_results_loose.jsonl";
    /** Version of this evaluator's spec; bump when the numbers it produces change. */
    public static final int VERSION = 1;

    private IfevalResultFiles() {}

    /** Writes all four files into {@code dir} (created if missing); returns what results.json and samples.jsonl hold. */
    public static EvalOutcome write(Path dir, IfevalEvaluator.Run run, EvalResult.RunInfo runInfo, Map<String, Object> settings) {
        try {
            Files.createDirectories(dir);
            writeReferenceFormat(dir.resolve(STRICT), run.verdicts(), true);
            writeReferenceFormat(dir.resolve(LOOSE), run.verdicts(), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write IFEval results to " + dir + ": " + e.getMessage(), e);
        }
        IfevalAccuracy accuracy = run.accuracy();
        Map<String, Object> allSettings = new LinkedHashMap<>(settings);
        allSettings.put("missing_prompt_keys", run.missingKeys());
        allSettings.put("unmatched_responses", run.unmatchedResponses());
        allSettings.put("instructions", accuracy.instructions());
        EvalResult result = new EvalResult("ifeval", VERSION, accuracy.metrics(), IfevalAccuracy.PROMPT_STRICT,
                accuracy.prompts(), runInfo, allSettings);
        EvalOutcome outcome = new EvalOutcome(result, run.verdicts().stream().map(IfevalResultFiles::sample).toList());
        EvalResultFiles.write(dir, outcome.result(), outcome.samples());
        return outcome;
    }

    /** One line of {@code samples.jsonl}: per-prompt scores whose means are the prompt-level metrics. */
    static EvalSample sample(IfevalVerdict v) {
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put(IfevalAccuracy.PROMPT_STRICT, v.followsAllStrict() ? 1.0 : 0.0);
        scores.put(IfevalAccuracy.PROMPT_LOOSE, v.followsAllLoose() ? 1.0 : 0.0);
        // Instruction-level accuracy pools instructions over prompts: counts, not a per-prompt mean.
        scores.put("inst_strict_followed", (double) v.strict().stream().filter(b -> b).count());
        scores.put("inst_loose_followed", (double) v.loose().stream().filter(b -> b).count());
        scores.put("num_instructions", (double) v.strict().size());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("instruction_id_list", v.prompt().instructionIds());
        details.put("follow_instruction_list_strict", v.strict());
        details.put("follow_instruction_list_loose", v.loose());
        return new EvalSample(String.valueOf(v.prompt().key()), v.prompt().prompt(), v.response(), scores, details);
    }

    private static void writeReferenceFormat(Path target, List<IfevalVerdict> verdicts, boolean strict) {
        AtomicFile.write(target, out -> {
            for (IfevalVerdict v : verdicts) {
                out.write(referenceLine(v, strict));
                out.write('\n');
            }
        });
    }

    /** One line as the reference's {@code write_outputs} prints it. */
    static String referenceLine(IfevalVerdict v, boolean strict) {
        List<Boolean> follows = v.verdicts(strict);
        StringBuilder s = new StringBuilder("{\"follow_all_instructions\": ")
                .append(strict ? v.followsAllStrict() : v.followsAllLoose())
                .append(", \"follow_instruction_list\": [");
        for (int i = 0; i < follows.size(); i++) {
            s.append(i == 0 ? "" : ", ").append(follows.get(i));
        }
        s.append("], \"instruction_id_list\": [");
        List<String> ids = v.prompt().instructionIds();
        for (int i = 0; i < ids.size(); i++) {
            s.append(i == 0 ? "" : ", ").append(pythonJsonString(ids.get(i)));
        }
        return s.append("], \"prompt\": ").append(pythonJsonString(v.prompt().prompt()))
                .append(", \"response\": ").append(pythonJsonString(v.response())).append('}').toString();
    }

    /** A JSON string as Python's {@code json.dumps} writes it with {@code ensure_ascii=True}. */
    static String pythonJsonString(String text) {
        StringBuilder s = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                case '\b' -> s.append("\\b");
                case '\f' -> s.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) s.append(String.format("\\u%04x", (int) c));
                    else s.append(c);
                }
            }
        }
        return s.append('"').toString();
    }
}
