package dev.mutual.data.prepare;

import dev.mutual.data.Example;
import dev.mutual.data.read.EvalPrompt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Stage 5: decontamination by word n-gram overlap with eval prompts (default 13-grams, as in GPT-3 and
 * lm-evaluation-harness). Words are lower-cased runs of letters/digits, so punctuation and case do not matter.
 * An item is dropped when its instruction, input or response contains any n-gram of any eval prompt. An eval
 * prompt shorter than n words has no n-gram; when it has at least {@code minPromptWords} words it is matched
 * whole (as one shorter gram), which catches short generic prompts copied verbatim ("What is the meaning of life?").
 *
 * <p>Grams are looked up by a 64-bit polynomial hash of their word hashes (O(1) per window with prefix sums);
 * a hash hit is confirmed by comparing the words, so a collision can never drop an item.
 */
public final class Decontaminator implements Stage, java.io.Serializable {
    private static final long BASE = 0x9E3779B97F4A7C15L; // odd multiplier; arithmetic wraps mod 2^64

    private record Gram(String evalSet, String promptId, String text) implements java.io.Serializable {
    }

    private final int ngram;
    private final int minPromptWords;
    /** gram length -> gram hash -> the first eval prompt holding it. */
    private final Map<Integer, Map<Long, Gram>> grams = new HashMap<>();
    private final Map<String, Integer> promptsPerSet = new LinkedHashMap<>();
    private final int[] lengthsLongestFirst;
    private int shortPromptsIgnored;

    public Decontaminator(int ngram, int minPromptWords, List<EvalPrompt> prompts) {
        this.ngram = ngram;
        this.minPromptWords = minPromptWords;
        for (EvalPrompt p : prompts) {
            promptsPerSet.merge(p.evalSet(), 1, Integer::sum);
            List<String> words = Words.of(p.text());
            int n = ngram;
            if (words.size() < ngram) {
                if (minPromptWords == 0 || words.size() < minPromptWords) {
                    shortPromptsIgnored++;
                    continue;
                }
                n = words.size();
            }
            Map<Long, Gram> index = grams.computeIfAbsent(n, k -> new HashMap<>());
            long[] prefix = prefixHashes(words);
            long pow = power(n);
            for (int i = 0; i + n <= words.size(); i++) {
                long h = prefix[i + n] - prefix[i] * pow;
                if (!index.containsKey(h)) index.put(h, new Gram(p.evalSet(), p.id(), String.join(" ", words.subList(i, i + n))));
            }
        }
        lengthsLongestFirst = new TreeSet<>(grams.keySet()).descendingSet().stream().mapToInt(Integer::intValue).toArray();
    }

    /** Eval prompts per eval set, in the order given. */
    public Map<String, Integer> promptsPerSet() {
        return promptsPerSet;
    }

    /** Eval prompts too short to check (fewer than ngram and fewer than minPromptWords words). */
    public int shortPromptsIgnored() {
        return shortPromptsIgnored;
    }

    @Override
    public String name() {
        return "decontaminate";
    }

    @Override
    public String settings() {
        return "ngram=" + ngram + " min_prompt_words=" + minPromptWords + " eval_sets=" + promptsPerSet
                + " short_prompts_ignored=" + shortPromptsIgnored;
    }

    @Override
    public Result apply(List<Example> in) {
        return apply(in, ParallelMap.LOCAL);
    }

    /** The n-gram lookups on {@code parallel} (this index is what Spark broadcasts), the verdicts here. */
    @Override
    public Result apply(List<Example> in, ParallelMap parallel) {
        List<Stage.EvalMatch> matches = parallel.map(name(), in, this, Decontaminator::match);
        List<Example> kept = new ArrayList<>(in.size());
        List<Dropped> dropped = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            Example e = in.get(i);
            Stage.EvalMatch match = matches.get(i);
            if (match == null) kept.add(e);
            else dropped.add(new Dropped(e, name(), "overlap with " + match.evalSet(),
                    match.field() + " shares \"" + match.ngram() + "\" with " + match.evalSet() + " prompt " + match.promptId(), match));
        }
        return new Result(kept, dropped);
    }

    /** The example's first overlap with an eval prompt (instruction, then input, then response); null when none. */
    Stage.EvalMatch match(Example e) {
        Stage.EvalMatch match = e.isPair() ? find("instruction", e.instruction()) : null;
        if (match == null && !e.input().isEmpty()) match = find("input", e.input());
        if (match == null) match = find("response", e.response());
        return match;
    }

    /** The first eval gram found in {@code text}, longest gram length first; null when none. */
    Stage.EvalMatch find(String field, String text) {
        List<String> words = Words.of(text);
        long[] prefix = prefixHashes(words);
        for (int n : lengthsLongestFirst) {
            Map<Long, Gram> index = grams.get(n);
            long pow = power(n);
            for (int i = 0; i + n <= words.size(); i++) {
                Gram g = index.get(prefix[i + n] - prefix[i] * pow); // hash of words[i..i+n)
                if (g == null) continue;
                String gram = String.join(" ", words.subList(i, i + n));
                if (gram.equals(g.text)) return new Stage.EvalMatch(g.evalSet, g.promptId, field, gram);
            }
        }
        return null;
    }

    /** prefix[k] = hash of words[0..k) as the polynomial sum of word hashes times BASE^(k-1-j). */
    private static long[] prefixHashes(List<String> words) {
        long[] prefix = new long[words.size() + 1];
        for (int k = 0; k < words.size(); k++) prefix[k + 1] = prefix[k] * BASE + MinHash.hash(words.get(k));
        return prefix;
    }

    /** BASE^n (mod 2^64): the hash of words[i..i+n) is prefix[i+n] - prefix[i] * BASE^n. */
    private static long power(int n) {
        long pow = 1;
        for (int k = 0; k < n; k++) pow *= BASE;
        return pow;
    }
}
