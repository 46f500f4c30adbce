package dev.mutual.eval.run;

/** How results.json records a limit on the items evaluated. */
public final class Limits {
    private Limits() {}

    /** "none" when {@code limit} is 0 (or below), else "N (n items evaluated)". */
    public static String describe(int limit, int evaluated) {
        return limit <= 0 ? "none" : limit + " (" + evaluated + " items evaluated)";
    }
}
