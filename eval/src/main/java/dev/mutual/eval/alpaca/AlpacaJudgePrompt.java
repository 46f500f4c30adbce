package dev.mutual.eval.alpaca;

import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.eval.judge.JudgePromptTemplate;
import dev.mutual.eval.judge.DecodingSettings;
import dev.mutual.eval.judge.JudgeReply;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An alpaca_eval judge prompt ({@code judge_prompts/*.txt}, ChatML with {instruction}, {output_1}, {output_2}) and
 * how to read the judge's reply. The format follows from the prompt's text:
 * <ul>
 *   <li>{@link Format#RANKING} (AlpacaEval 1, {@code alpaca_eval_gpt4}): the judge returns a Python list
 *       {@code [{'model': 'model_1', 'rank': 1}, ...]}; preference = the rank of model_1 (alpaca_eval's
 *       {@code ranking_parser}). Decoding: temperature 0, 100 tokens.</li>
 *   <li>{@link Format#MODEL_IDENTIFIER} (AlpacaEval 2, {@code weighted_alpaca_eval_gpt4_turbo}): the judge answers
 *       one token, "m" (output_1) or "M" (output_2). With the first token's top-5 logprobs,
 *       preference = 1 + P(M) / (P(m) + P(M)) (alpaca_eval's {@code logprob_parser}); when the endpoint returns no
 *       logprobs for "m" or "M", the answered token decides (1 or 2). Decoding as alpaca_eval: temperature 1,
 *       1 token, top_logprobs 5.</li>
 * </ul>
 */
public record AlpacaJudgePrompt(String name, JudgePromptTemplate template, Format format) {
    public enum Format { RANKING, MODEL_IDENTIFIER }

    /** What a reply meant: the preference relative to the prompt's output_1/output_2 (null if unparsable). */
    public record Verdict(Double preference, String source) {}

    private static final Set<String> PLACEHOLDERS = Set.of("instruction", "output_1", "output_2");
    private static final Pattern DICT = Pattern.compile("\\{[^{}]*}");
    private static final Pattern MODEL = Pattern.compile("['\"]model['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern RANK = Pattern.compile("['\"]rank['\"]\\s*:\\s*(\\d+)");

    /** The name of the judge prompt bundled with Mutual (AlpacaEval 1's ranking prompt, Apache-2.0). */
    public static final String BUNDLED = "alpaca_eval_gpt4__alpaca_eval.txt";

    public static AlpacaJudgePrompt read(Path file) {
        String text;
        try {
            if (!Files.isRegularFile(file)) throw new UserInputException(file + ": no such judge prompt file");
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return fromText(text, file.toString(), file.getFileName().toString());
    }

    /**
     * alpaca_eval's AlpacaEval 1 ranking prompt ({@code src/alpaca_eval/evaluators_configs/alpaca_eval_gpt4/alpaca_eval.txt}
     * of tatsu-lab/alpaca_eval at commit cd543a1, Apache-2.0, unchanged), bundled so that a recipe can judge without
     * a prompt file of its own.
     */
    public static AlpacaJudgePrompt bundled() {
        try (var in = AlpacaJudgePrompt.class.getResourceAsStream(BUNDLED)) {
            if (in == null) throw new IllegalStateException(BUNDLED + " missing from the build");
            return fromText(new String(in.readAllBytes(), StandardCharsets.UTF_8), "bundled " + BUNDLED, BUNDLED);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled " + BUNDLED, e);
        }
    }

    private static AlpacaJudgePrompt fromText(String text, String source, String fileName) {
        JudgePromptTemplate template = JudgePromptTemplate.parseChatMl(text, source).requirePlaceholders(PLACEHOLDERS, source);
        Format format;
        if (text.contains("\"model_identifier\"")) format = Format.MODEL_IDENTIFIER;
        else if (text.contains("'rank'")) format = Format.RANKING;
        else throw new UserInputException(source + ": unknown judge prompt format (expected alpaca_eval's ranking prompt "
                    + "with 'rank' or the classifier prompt with \"model_identifier\")");
        String name = fileName.replaceFirst("\\.txt$", "");
        return new AlpacaJudgePrompt(name, template, format);
    }

    public DecodingSettings decoding() {
        return format == Format.RANKING ? new DecodingSettings(0, 100, 0) : new DecodingSettings(1, 1, 5);
    }

    /** The messages for one pair, in the order the judge should see them. */
    public List<ChatMessage> render(String instruction, String output1, String output2) {
        return template.render(Map.of("instruction", instruction, "output_1", output1, "output_2", output2));
    }

    public Verdict parse(JudgeReply reply) {
        return format == Format.RANKING ? parseRanking(reply.content()) : parseIdentifier(reply);
    }

    private static Verdict parseRanking(String content) {
        String t = content.strip();
        if (!t.startsWith("[") || !t.endsWith("]")) return new Verdict(null, "unparsable: not a list");
        Matcher dict = DICT.matcher(t);
        while (dict.find()) {
            Matcher model = MODEL.matcher(dict.group());
            Matcher rank = RANK.matcher(dict.group());
            if (model.find() && rank.find() && model.group(1).equals("model_1")) {
                int r = Integer.parseInt(rank.group(1));
                return r == 1 || r == 2 ? new Verdict((double) r, "ranking") : new Verdict(null, "unparsable: rank " + r);
            }
        }
        return new Verdict(null, "unparsable: no rank for model_1");
    }

    private static Verdict parseIdentifier(JudgeReply reply) {
        Map<String, Double> lp = reply.firstTokenLogprobs();
        double pm = lp.containsKey("m") ? Math.exp(lp.get("m")) : 0;
        double pM = lp.containsKey("M") ? Math.exp(lp.get("M")) : 0;
        if (pm + pM > 0) return new Verdict(1 + pM / (pm + pM), "logprobs");
        return switch (reply.content().strip()) {
            case "m" -> new Verdict(1.0, "token");
            case "M" -> new Verdict(2.0, "token");
            default -> new Verdict(null, "unparsable: expected m or M");
        };
    }
}
