package dev.mutual.trainer.inference;

import java.util.List;

/**
 * How to generate, with HF {@code generate()} semantics: the repetition penalty, then temperature, then top-k, then
 * top-p; temperature 0 means greedy.
 *
 * @param maxNewTokens      stop after this many new tokens, e.g. 256
 * @param temperature       0 for greedy, else logits / temperature before sampling
 * @param topK              keep the k most likely tokens, 0 = off
 * @param topP              keep the smallest set with cumulative probability >= topP, 1 = off
 * @param repetitionPenalty >1 discourages tokens already in prompt or output (CTRL paper: divide positive logits,
 *                          multiply negative ones), 1 = off
 * @param stopTokenIds      generation ends when one is produced (not included in the output), e.g. EOS
 * @param stopStrings       generation ends when the decoded continuation contains one (the text is cut before it)
 * @param seed              seed of the random streams; sequence i of a batch uses seed + i
 */
public record GenerationOptions(int maxNewTokens, double temperature, int topK, double topP, double repetitionPenalty,
                                List<Integer> stopTokenIds, List<String> stopStrings, long seed) {
    public GenerationOptions {
        if (maxNewTokens < 0) throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        if (!(temperature >= 0)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(repetitionPenalty > 0)) throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
        stopTokenIds = List.copyOf(stopTokenIds);
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) if (s.isEmpty()) throw new IllegalArgumentException("a stop string must not be empty");
    }

    /** Greedy, no stops, {@code maxNewTokens} tokens. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, 0, 0, 1, 1, List.of(), List.of(), 0);
    }

    public GenerationOptions withStops(List<Integer> ids, List<String> strings) {
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, repetitionPenalty, ids, strings, seed);
    }

    /** The sampler these options describe (repetition penalty is applied before it, by the generator). */
    public Sampler sampler() {
        return temperature == 0 ? Sampler.ARGMAX : new TemperatureSampler(temperature, topK, topP);
    }
}
