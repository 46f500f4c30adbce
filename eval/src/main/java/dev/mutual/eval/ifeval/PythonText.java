package dev.mutual.eval.ifeval;

import java.util.ArrayList;
import java.util.List;

/**
 * The few Python {@code str} semantics the IFEval reference checkers rely on, where Java's differ: Python's
 * whitespace set (it includes no-break spaces, Java's {@link String#strip()} does not), {@code isupper}/{@code
 * islower} (true only when at least one cased character exists), and argument-less {@code split()}.
 */
final class PythonText {
    private PythonText() {}

    /** Python's {@code str.isspace()} for one code point: Unicode White_Space plus the C0 separators. */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    /** {@code s.strip()}. */
    static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.charAt(start))) start++;
        while (end > start && isSpace(s.charAt(end - 1))) end--;
        return s.substring(start, end);
    }

    /** {@code s.rstrip()}. */
    static String rstripWhitespace(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1))) end--;
        return s.substring(0, end);
    }

    /** {@code s.strip(chars)}: strips any of {@code chars} from both ends. */
    static String strip(String s, String chars) {
        return rstrip(lstrip(s, chars), chars);
    }

    /** {@code s.lstrip(chars)}. */
    static String lstrip(String s, String chars) {
        int start = 0;
        while (start < s.length() && chars.indexOf(s.charAt(start)) >= 0) start++;
        return s.substring(start);
    }

    /** {@code s.rstrip(chars)}. */
    static String rstrip(String s, String chars) {
        int end = s.length();
        while (end > 0 && chars.indexOf(s.charAt(end - 1)) >= 0) end--;
        return s.substring(0, end);
    }

    /** {@code s.split()}: runs of whitespace separate, no empty parts. */
    static List<String> splitOnWhitespace(String s) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            while (i < s.length() && isSpace(s.charAt(i))) i++;
            int start = i;
            while (i < s.length() && !isSpace(s.charAt(i))) i++;
            if (i > start) parts.add(s.substring(start, i));
        }
        return parts;
    }

    /** {@code s.isupper()}: at least one cased character, and no lowercase or titlecase one. */
    static boolean isUpper(String s) {
        boolean cased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLowerCase(cp) || Character.isTitleCase(cp)) return false;
            if (Character.isUpperCase(cp)) cased = true;
        }
        return cased;
    }

    /** {@code s.islower()}: at least one cased character, and no uppercase or titlecase one. */
    static boolean isLower(String s) {
        boolean cased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isUpperCase(cp) || Character.isTitleCase(cp)) return false;
            if (Character.isLowerCase(cp)) cased = true;
        }
        return cased;
    }

    /** {@code s.lower()}. */
    static String lower(String s) {
        return s.toLowerCase(java.util.Locale.ROOT);
    }
}
