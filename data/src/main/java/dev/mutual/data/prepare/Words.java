package dev.mutual.data.prepare;

import java.util.ArrayList;
import java.util.List;

/** Splits text into lower-cased words (runs of letters or digits), dropping punctuation; for shingles and n-grams. */
final class Words {
    private Words() {
    }

    static List<String> of(String text) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= text.length(); i++) {
            boolean word = i < text.length() && Character.isLetterOrDigit(text.charAt(i));
            if (word && start < 0) start = i;
            if (!word && start >= 0) {
                words.add(text.substring(start, i).toLowerCase());
                start = -1;
            }
        }
        return words;
    }
}
