package dev.mutual.experiments.recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stage {@code select}: MAIN's filter and its baselines over the scored candidates of a {@code score_pairs} stage.
 * Writes {@code decisions.jsonl} (every candidate with {@code kept} and {@code reason}), {@code kept.jsonl},
 * {@code summary.json}, {@code histogram_forward.png}, {@code histogram_reverse.png} and {@code examples.md}.
 *
 * @param scoresStage      the score_pairs stage whose {@code scores.jsonl} to filter
 * @param mode             mutual (both directions must support a pair), forward_only (instruction-following
 *                         difficulty), reverse_only (reverse PMI), none (keep every candidate: unfiltered
 *                         backtranslation), random (a seeded subset of size K), rating (Humpback's self-curation)
 * @param rule             for mutual, forward_only, reverse_only: threshold, top_percent or rank_sum
 * @param forwardThreshold threshold rule: keep forward_pmi above this (nats per response token)
 * @param reverseThreshold threshold rule: keep reverse_pmi above this (nats per instruction token)
 * @param ifdThreshold     threshold rule, forward_only: keep ifd below this (below 1 the instruction helps)
 * @param topPercent       top_percent rule: keep the pairs in the best this-many percent of each direction
 * @param topK             rank_sum rule: keep the K pairs with the smallest sum of their per-direction ranks
 * @param candidates       which candidates of each response are eligible: best, first or all
 * @param sizeStage        random: K = the kept count of this other select stage (random-K the size of MAIN's set)
 * @param size             random: K itself
 * @param seed             random: the seed of the subset, or null for the recipe's seed
 * @param ratingsStage     rating: the curate stage whose ratings.jsonl to read
 * @param minRating        rating: keep pairs rated at least this (Humpback A5 = 5, A4 = 4)
 * @param allowEmpty       keep nothing without failing (a baseline whose rule legitimately selects nothing, e.g.
 *                         Humpback A5 when the rater never gives a 5, then trains on the seed alone); by default a
 *                         selection of nothing stops the stage
 */
@StageType("select")
public record SelectConfig(
        String scoresStage,
        @Default("mutual") Mode mode,
        @Default("threshold") Rule rule,
        @Default("0.0") double forwardThreshold,
        @Default("0.0") double reverseThreshold,
        @Default("1.0") double ifdThreshold,
        @Default("50") double topPercent,
        @Default("null") Integer topK,
        @Default("best") CandidateChoice candidates,
        @Default("null") String sizeStage,
        @Default("null") Integer size,
        @Default("null") Long seed,
        @Default("null") String ratingsStage,
        @Default("4") int minRating,
        @Default("false") boolean allowEmpty) implements StageConfig {

    /** What a pair must show to be kept. */
    public enum Mode { MUTUAL, FORWARD_ONLY, REVERSE_ONLY, NONE, RANDOM, RATING }

    /** How the scored modes turn scores into a kept set. */
    public enum Rule { THRESHOLD, TOP_PERCENT, RANK_SUM }

    public SelectConfig {
        if (!Double.isFinite(forwardThreshold)) throw new IllegalArgumentException("forward_threshold: expected a finite number, found " + forwardThreshold);
        if (!Double.isFinite(reverseThreshold)) throw new IllegalArgumentException("reverse_threshold: expected a finite number, found " + reverseThreshold);
        if (!(ifdThreshold > 0) || Double.isInfinite(ifdThreshold)) {
            throw new IllegalArgumentException("ifd_threshold: expected a finite number > 0, found " + ifdThreshold);
        }
        if (!(topPercent > 0 && topPercent <= 100)) throw new IllegalArgumentException("top_percent: expected a percentage in (0, 100], found " + topPercent);
        boolean ranked = scored(mode) && rule == Rule.RANK_SUM;
        if (ranked && topK == null) throw new IllegalArgumentException("rule: rank_sum keeps the top_k pairs: set 'top_k: K'");
        if (topK != null && !ranked) {
            throw new IllegalArgumentException("top_k: only used by rule: rank_sum with mode mutual, forward_only or reverse_only"
                    + " (found mode " + name(mode) + ", rule " + name(rule) + ")");
        }
        if (topK != null && topK < 1) throw new IllegalArgumentException("top_k: expected >= 1, found " + topK);
        if (mode == Mode.RANDOM) {
            if ((sizeStage == null) == (size == null)) {
                throw new IllegalArgumentException("mode: random needs exactly one of 'size_stage: STAGE' (K = that select"
                        + " stage's kept count) and 'size: K', found " + (size == null ? "neither" : "both"));
            }
            if (size != null && size < 1) throw new IllegalArgumentException("size: expected >= 1, found " + size);
        } else {
            if (sizeStage != null) throw new IllegalArgumentException("size_stage: only used by mode: random, found mode " + name(mode));
            if (size != null) throw new IllegalArgumentException("size: only used by mode: random, found mode " + name(mode));
            if (seed != null) throw new IllegalArgumentException("seed: only used by mode: random, found mode " + name(mode));
        }
        if (mode == Mode.RATING && ratingsStage == null) {
            throw new IllegalArgumentException("mode: rating needs 'ratings_stage: STAGE' (a curate stage)");
        }
        if (mode != Mode.RATING && ratingsStage != null) {
            throw new IllegalArgumentException("ratings_stage: only used by mode: rating, found mode " + name(mode));
        }
        if (minRating < 1 || minRating > 5) throw new IllegalArgumentException("min_rating: expected 1..5, found " + minRating);
    }

    /** True for the modes that filter by score with a {@link Rule}. */
    public static boolean scored(Mode mode) {
        return mode == Mode.MUTUAL || mode == Mode.FORWARD_ONLY || mode == Mode.REVERSE_ONLY;
    }

    @Override
    public List<String> upstream() {
        List<String> up = new ArrayList<>(List.of(scoresStage));
        for (String s : new String[] {sizeStage, ratingsStage}) if (s != null && !up.contains(s)) up.add(s);
        return up;
    }

    @Override
    public void checkReferences(Map<String, StageConfig> stages) {
        requireStageType(stages, "scores_stage", scoresStage, List.of("score_pairs"));
        if (sizeStage != null) {
            StageConfig.requireStage(stages, "size_stage", sizeStage, SelectConfig.class, "a select stage (its kept count is K)");
        }
        if (ratingsStage != null) {
            StageConfig.requireStage(stages, "ratings_stage", ratingsStage, CurateConfig.class, "a curate stage (its ratings.jsonl)");
        }
    }

    /**
     * Checks that the stage named under {@code key} has one of {@code types}, by type name: the score_pairs and
     * synthesize stage types are built on other branches, so their config classes cannot be named here yet.
     */
    static void requireStageType(Map<String, StageConfig> stages, String key, String name, List<String> types) {
        StageConfig s = stages.get(name);
        if (s == null) throw new IllegalArgumentException(key + ": no stage named '" + name + "'" + DidYouMean.hint(name, stages.keySet()));
        if (!types.contains(s.type())) {
            throw new IllegalArgumentException(key + ": stage '" + name + "' is a " + s.type() + " stage; expected a "
                    + String.join(" or ", types) + " stage");
        }
    }

    /** The recipe spelling of a mode or choice: FORWARD_ONLY is forward_only. */
    public static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
