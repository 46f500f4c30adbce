package dev.mutual.experiments.recipe;

import java.util.Collection;

/** The "did you mean" hint for a misspelled key or name: the closest valid one by edit distance. */
public final class DidYouMean {

    private DidYouMean() {}

    /** Returns {@code "; did you mean 'x'?"}, or "" when nothing is close enough to be a plausible typo. */
    public static String hint(String found, Collection<String> valid) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : valid) {
            int d = distance(found.toLowerCase(), candidate.toLowerCase());
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        // Up to a third of the word (at least one edit), and never a complete rewrite: "formt" -> "format",
        // "min_chras" -> "min_chars", but not "d" -> "a" or "colour" -> "seed".
        int allowed = Math.max(1, found.length() / 3);
        return best != null && bestDistance <= allowed && bestDistance < found.length() ? "; did you mean '" + best + "'?" : "";
    }

    /**
     * Optimal string alignment distance: insertions, deletions, substitutions and swaps of two adjacent
     * characters, each costing 1 (Damerau's typo classes; a swap is the commonest typing slip).
     */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1));
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
