package dev.mutual.data.prepare;

import dev.mutual.data.Example;

import java.util.List;

/** One preparation step: takes examples, keeps some (possibly rewritten), drops the rest with a reason. */
public interface Stage {
    /** The name used in stats.json and dropped.jsonl ("normalize", "exact_dedup", ...). */
    String name();

    /** The settings in effect, for stats.json ("shingle_size=5 num_perm=128 ..."). */
    String settings();

    /** Runs the stage; does not modify {@code in}. */
    Result apply(List<Example> in);

    /**
     * Runs the stage with its per-example work (if it has any worth spreading) on {@code parallel}; the result is
     * the same as {@link #apply(List)}'s.
     */
    default Result apply(List<Example> in, ParallelMap parallel) {
        return apply(in);
    }

    /** The kept examples, in input order, and the dropped ones with why. */
    record Result(List<Example> kept, List<Dropped> dropped) {
        public Result {
            kept = List.copyOf(kept);
            dropped = List.copyOf(dropped);
        }
    }

    /**
     * An example a stage removed.
     *
     * @param reason short, countable ("duplicate", "response shorter than min_chars", "overlap with ifeval")
     * @param detail what exactly (the kept duplicate's id, the length, the matching n-gram)
     * @param match  for decontamination, the eval prompt hit; null otherwise
     */
    record Dropped(Example example, String stage, String reason, String detail, EvalMatch match) {
    }

    /**
     * Where an item overlaps an eval set.
     *
     * @param evalSet  the eval set's name
     * @param promptId the eval prompt's id
     * @param field    the item's field that holds the overlap: instruction, input or response
     * @param ngram    the shared words, lower-cased
     */
    record EvalMatch(String evalSet, String promptId, String field, String ngram) implements java.io.Serializable {
    }
}
