package dev.mutual.data.prepare;

import dev.mutual.data.Example;
import dev.mutual.data.tokenizer.TextTokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Stage 2: drops items whose response, or whose instruction with its input (pairs only), is outside
 * [min, max] in characters (code points) and, when a token counter is given, in tokens. Null bounds are open.
 */
public final class LengthFilter implements Stage {
    private final Integer minChars;
    private final Integer maxChars;
    private final Integer minTokens;
    private final Integer maxTokens;
    private final ToIntFunction<String> tokenCounter;

    /** {@code tokenCounter} may be null only when both token bounds are null. */
    public LengthFilter(Integer minChars, Integer maxChars, Integer minTokens, Integer maxTokens, ToIntFunction<String> tokenCounter) {
        if ((minTokens != null || maxTokens != null) && tokenCounter == null) {
            throw new IllegalArgumentException("token bounds need a token counter");
        }
        this.minChars = minChars;
        this.maxChars = maxChars;
        this.minTokens = minTokens;
        this.maxTokens = maxTokens;
        this.tokenCounter = tokenCounter;
    }

    /**
     * The token counter of {@code min_tokens} / {@code max_tokens}: the ids of the text alone, without the special
     * tokens a tokenizer adds around it (no BOS/EOS), so a bound means the same whichever tokenizer adds what.
     */
    public static ToIntFunction<String> tokenCounter(TextTokenizer tokenizer) {
        return text -> tokenizer.encode(text, false).length;
    }

    @Override
    public String name() {
        return "length_filter";
    }

    @Override
    public String settings() {
        return "min_chars=" + minChars + " max_chars=" + maxChars + " min_tokens=" + minTokens + " max_tokens=" + maxTokens;
    }

    @Override
    public Result apply(List<Example> in) {
        List<Example> kept = new ArrayList<>(in.size());
        List<Dropped> dropped = new ArrayList<>();
        for (Example e : in) {
            Dropped d = check(e, "response", e.response());
            if (d == null && e.isPair()) d = check(e, "instruction", e.fullInstruction());
            if (d == null) kept.add(e);
            else dropped.add(d);
        }
        return new Result(kept, dropped);
    }

    private Dropped check(Example e, String field, String text) {
        int chars = text.codePointCount(0, text.length());
        if (minChars != null && chars < minChars) return drop(e, field + " shorter than min_chars", chars + " chars < " + minChars);
        if (maxChars != null && chars > maxChars) return drop(e, field + " longer than max_chars", chars + " chars > " + maxChars);
        if (minTokens == null && maxTokens == null) return null;
        int tokens = tokenCounter.applyAsInt(text);
        if (minTokens != null && tokens < minTokens) return drop(e, field + " shorter than min_tokens", tokens + " tokens < " + minTokens);
        if (maxTokens != null && tokens > maxTokens) return drop(e, field + " longer than max_tokens", tokens + " tokens > " + maxTokens);
        return null;
    }

    private Dropped drop(Example e, String reason, String detail) {
        return new Dropped(e, name(), reason, detail, null);
    }
}
