package dev.mutual.trainer.inference;

import dev.mutual.data.UserInputException;
import dev.mutual.trainer.model.HeapBudget;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Autoregressive generation with a KV cache, many prompts at once: all prompts are prefilled in one packed
 * forward pass, then every unfinished sequence advances one token per packed step.
 */
public final class Generator {
    private final Decoder decoder;

    public Generator(Decoder decoder) {
        this.decoder = decoder;
    }

    /** Why a sequence stopped. */
    public enum Finish { STOP_TOKEN, STOP_STRING, LENGTH }

    /**
     * @param tokens new token ids (a stop token id is not included)
     * @param text   the decoded continuation, cut before a stop string; null without a detokenizer
     * @param finish why it stopped
     */
    public record Result(int[] tokens, String text, Finish finish) {}

    /**
     * Generates a continuation of each prompt (token ids, normally starting with BOS).
     *
     * @param detokenize turns new token ids into text, needed for stop strings; may be null without them
     */
    public List<Result> generate(List<int[]> prompts, GenerationOptions o, Function<int[], String> detokenize) {
        long[] seeds = new long[prompts.size()];
        for (int i = 0; i < seeds.length; i++) seeds[i] = o.seed() + i;
        return generate(prompts, o, seeds, detokenize);
    }

    /**
     * {@link #generate(List, GenerationOptions, Function)} with one random stream per prompt, seeded by
     * {@code seeds[i]} (the options' seed is not used): what a prompt gets then depends only on its own seed, not on
     * which prompts share its batch or where it sits in it (MAIN's synthesis: the same item gets the same
     * candidates however the pool is split into shards and batches).
     */
    public List<Result> generate(List<int[]> prompts, GenerationOptions o, long[] seeds, Function<int[], String> detokenize) {
        if (seeds.length != prompts.size()) throw new IllegalArgumentException(prompts.size() + " prompts but " + seeds.length + " seeds");
        if (!o.stopStrings().isEmpty() && detokenize == null) throw new IllegalArgumentException("stop strings need a detokenizer");
        int b = prompts.size(), vocab = decoder.config().vocabSize();
        Sampler sampler = o.sampler();
        KvCache[] caches = new KvCache[b];
        List<List<Integer>> out = new ArrayList<>();
        Random[] rng = new Random[b];
        boolean[][] seen = new boolean[b][];
        Result[] results = new Result[b];
        List<Decoder.Chunk> chunks = new ArrayList<>();
        long cacheBytes = 0;
        for (int i = 0; i < b; i++) {
            int[] p = prompts.get(i);
            if (p.length == 0) throw new IllegalArgumentException("prompt " + i + " is empty; start it with BOS");
            long positions = (long) p.length + o.maxNewTokens();
            if (positions > decoder.config().maxPositions()) {
                throw new IllegalArgumentException("prompt " + i + " (" + p.length + " tokens) + " + o.maxNewTokens()
                        + " new tokens exceeds max_position_embeddings " + decoder.config().maxPositions());
            }
            if (positions > KvCache.maxPositions(decoder.config())) {
                throw new UserInputException("max new tokens " + o.maxNewTokens() + ": prompt " + i + " (" + p.length + " tokens) would need a KV cache"
                        + " of " + positions + " positions, more than the " + KvCache.maxPositions(decoder.config()) + " this model's cache can hold"
                        + " (one Java array per layer); ask for fewer new tokens");
            }
            cacheBytes = Math.min(Long.MAX_VALUE / 2, cacheBytes + KvCache.bytes(decoder.config(), positions));
        }
        HeapBudget.require(cacheBytes, "max new tokens " + o.maxNewTokens(), "the KV caches of " + b + " prompt" + (b == 1 ? "" : "s")
                + " at full length (" + KvCache.bytes(decoder.config(), 1) + " bytes a position)");
        for (int i = 0; i < b; i++) {
            int[] p = prompts.get(i);
            caches[i] = decoder.newCache(p.length + o.maxNewTokens());
            out.add(new ArrayList<>());
            rng[i] = new Random(seeds[i]);
            seen[i] = new boolean[vocab];
            for (int t : p) seen[i][t] = true;
            chunks.add(new Decoder.Chunk(p, caches[i]));
            if (o.maxNewTokens() == 0) results[i] = new Result(new int[0], detokenize == null ? null : "", Finish.LENGTH);
        }
        List<Integer> active = new ArrayList<>();
        for (int i = 0; i < b; i++) if (results[i] == null) active.add(i);
        if (active.isEmpty()) return Arrays.asList(results);
        float[] hidden = decoder.forward(chunks);
        int[] lastRow = new int[active.size()];
        int row = -1;
        for (int i = 0; i < b; i++) {
            row += prompts.get(i).length;
            lastRow[i] = row;
        }
        while (!active.isEmpty()) {
            List<Integer> next = new ArrayList<>();
            List<Decoder.Chunk> step = new ArrayList<>();
            // the LM head over every active row in one pass (each row's logits as if it were alone, Decoder.logits)
            float[] all = decoder.logits(rows(hidden, lastRow), 0, lastRow.length);
            // each row draws from its own random stream, so the rows draw in parallel (top-p sorts most of a flat
            // vocabulary: at batch 64 and V=32000 the draws cost as much as the forward pass, BENCHMARKS.md)
            for (int a = 0; a < active.size(); a++) {
                for (int t = 0; t < vocab; t++) {
                    float l = all[a * vocab + t];
                    if (!Float.isFinite(l)) {
                        // A NaN logit would make argmax pick token 0 and print nothing; stop instead.
                        int i = active.get(a);
                        throw new UserInputException("prompt " + i + ", new token " + out.get(i).size() + ": the logit of token " + t + " is "
                                + l + "; the model computes non-finite values (NaN or infinite weights, or activations beyond fp32)");
                    }
                }
            }
            int[] drawn = new int[active.size()];
            List<Integer> drawing = active;
            decoder.forEach(drawn.length, (long) drawn.length * vocab >= 1 << 16, a -> {
                int i = drawing.get(a);
                float[] logits = Arrays.copyOfRange(all, a * vocab, (a + 1) * vocab);
                if (o.repetitionPenalty() != 1) {
                    for (int t = 0; t < vocab; t++) {
                        if (seen[i][t]) logits[t] = logits[t] < 0 ? (float) (logits[t] * o.repetitionPenalty()) : (float) (logits[t] / o.repetitionPenalty());
                    }
                }
                drawn[a] = sampler.sample(logits, rng[i]);
            });
            for (int a = 0; a < active.size(); a++) {
                int i = active.get(a);
                int token = drawn[a];
                List<Integer> toks = out.get(i);
                if (o.stopTokenIds().contains(token)) {
                    results[i] = result(toks, detokenize, Finish.STOP_TOKEN, null);
                    continue;
                }
                toks.add(token);
                seen[i][token] = true;
                if (!o.stopStrings().isEmpty()) {
                    String text = detokenize.apply(toInts(toks));
                    String cut = cutAtStop(text, o.stopStrings());
                    if (cut != null) {
                        results[i] = result(toks, detokenize, Finish.STOP_STRING, cut);
                        continue;
                    }
                }
                if (toks.size() >= o.maxNewTokens()) {
                    results[i] = result(toks, detokenize, Finish.LENGTH, null);
                    continue;
                }
                next.add(i);
                step.add(new Decoder.Chunk(new int[] {token}, caches[i]));
            }
            active = next;
            if (active.isEmpty()) break;
            hidden = decoder.forward(step);
            lastRow = new int[active.size()];
            for (int a = 0; a < lastRow.length; a++) lastRow[a] = a;
        }
        return Arrays.asList(results);
    }

    /** Hidden rows {@code rows[0], rows[1], ...} packed one after the other (the array itself when they already are). */
    private float[] rows(float[] hidden, int[] rows) {
        boolean packed = true;
        for (int a = 0; a < rows.length; a++) packed &= rows[a] == a;
        if (packed) return hidden;
        int d = decoder.config().hiddenSize();
        float[] out = new float[rows.length * d];
        for (int a = 0; a < rows.length; a++) System.arraycopy(hidden, rows[a] * d, out, a * d, d);
        return out;
    }

    /** The text before the earliest stop string, or null when none occurs. */
    static String cutAtStop(String text, List<String> stops) {
        int best = -1;
        for (String s : stops) {
            int at = text.indexOf(s);
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best < 0 ? null : text.substring(0, best);
    }

    private static Result result(List<Integer> toks, Function<int[], String> detokenize, Finish finish, String text) {
        int[] ids = toInts(toks);
        if (text == null && detokenize != null) text = detokenize.apply(ids);
        return new Result(ids, text, finish);
    }

    private static int[] toInts(List<Integer> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }
}
