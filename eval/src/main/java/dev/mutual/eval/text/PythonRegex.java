package dev.mutual.eval.text;

import java.util.regex.Pattern;

/**
 * Compiles a Python {@code re} pattern (a {@code str} pattern, so Unicode matching) into a {@link Pattern} that
 * matches the same text, for the regexes ported from lm-evaluation-harness (GSM8K, StrategyQA), IFEval's checkers
 * and the NLTK tokenizers IFEval uses. java.util.regex differs from Python's
 * {@code re} in several places, each checked against Python itself ({@code tools/make_python_re_fixture.py}):
 * <ul>
 *   <li>{@code .}: Python refuses only {@code \n}; Java also refuses {@code \r}, U+0085, U+2028 and U+2029 (so
 *   "The answer is 140\r\n" gave "14"). {@link Pattern#UNIX_LINES} makes {@code .}, {@code ^} and {@code $} treat
 *   {@code \n} alone as a line end, which is Python's rule for all three.</li>
 *   <li>{@code \s}: Python's is {@code str.isspace()}, which includes U+001C..U+001F; Java's is ASCII-only, and
 *   {@link Pattern#UNICODE_CHARACTER_CLASS}'s White_Space lacks U+001C..U+001F. Spelled out: {@link #WHITESPACE}.</li>
 *   <li>{@code \w}: Python's is {@code str.isalnum()} or "_", exactly the categories L* and N* plus "_" (checked
 *   over every code point); Java's is ASCII-only, and UNICODE_CHARACTER_CLASS adds combining marks (Mn, Mc, Me) and
 *   Pc, which Python leaves out. Spelled out: {@link #WORD}.</li>
 *   <li>{@code \b}: Java's (either mode) counts a combining mark after a letter as part of the word, so "yes\u0301"
 *   has no boundary after "s"; Python's is a plain change between {@code \w} and not {@code \w}. Spelled out as
 *   lookarounds over {@link #WORD}.</li>
 *   <li>{@code \d}: Python's is Unicode category Nd ({@code \p{Nd}}); Java's is ASCII-only.</li>
 *   <li>Ignoring case: Python's {@code re.IGNORECASE} on {@code str} is Unicode-aware ("ſ" matches "s", "İ" and "ı"
 *   match "i"); Java's CASE_INSENSITIVE is ASCII-only without {@link Pattern#UNICODE_CASE}, which is always set here
 *   (it only acts when case is ignored, including by an inline {@code (?i)}).</li>
 *   <li>{@code \Z} is Java's {@code \z}; {@code (?P<name>...)} is Java's {@code (?<name>...)}.</li>
 * </ul>
 * Anything else is passed through unchanged; constructs whose meaning differs and that no ported pattern uses
 * ({@code \B}, {@code (?P=name)}, a literal {@code {}) are refused rather than translated wrongly.
 */
public final class PythonRegex {
    /** The characters of Python's {@code \s} and {@code str.isspace()}, as class contents. */
    static final String WHITESPACE = "\\t\\n\\x0B\\f\\r\\x1C-\\x1F \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";
    /** The characters of Python's {@code \w}, as class contents. */
    static final String WORD = "\\p{L}\\p{N}_";
    private static final String DIGIT = "\\p{Nd}";
    private static final String BOUNDARY = "(?:(?<=[" + WORD + "])(?![" + WORD + "])|(?<![" + WORD + "])(?=[" + WORD + "]))";
    private static final Pattern EDGE_WHITESPACE = Pattern.compile("\\A[" + WHITESPACE + "]+|[" + WHITESPACE + "]+\\z");

    private PythonRegex() {
    }

    /** {@code re.compile(python, re.IGNORECASE if ignoreCase else 0)}. */
    public static Pattern compile(String python, boolean ignoreCase) {
        return compile(python, ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
    }

    /**
     * {@code re.compile(python, flags)} with Python's flags given as their Java twins: {@link Pattern#CASE_INSENSITIVE}
     * for {@code re.IGNORECASE}, {@link Pattern#MULTILINE} for {@code re.MULTILINE}, {@link Pattern#DOTALL} for
     * {@code re.DOTALL}.
     *
     * @throws IllegalArgumentException for another flag, a construct that is not translated, or a pattern that does
     *                                  not compile ({@link java.util.regex.PatternSyntaxException})
     */
    public static Pattern compile(String python, int flags) {
        int python3 = Pattern.CASE_INSENSITIVE | Pattern.MULTILINE | Pattern.DOTALL;
        if ((flags & ~python3) != 0) throw new IllegalArgumentException("flags other than re.I, re.M and re.S: " + flags);
        return Pattern.compile(translate(python), flags | Pattern.UNIX_LINES | Pattern.UNICODE_CASE);
    }

    /** The Java pattern text for a Python pattern (see the class comment for what changes). */
    public static String translate(String python) {
        StringBuilder out = new StringBuilder();
        boolean inClass = false;
        for (int i = 0; i < python.length(); i++) {
            char c = python.charAt(i);
            if (c == '\\') {
                if (i + 1 >= python.length()) throw new IllegalArgumentException("pattern ends with a lone backslash: " + python);
                char e = python.charAt(++i);
                out.append(switch (e) {
                    case 's' -> inClass ? WHITESPACE : "[" + WHITESPACE + "]";
                    case 'S' -> "[^" + WHITESPACE + "]"; // inside a class, Java reads a nested class as a union
                    case 'w' -> inClass ? WORD : "[" + WORD + "]";
                    case 'W' -> "[^" + WORD + "]";
                    case 'd' -> inClass ? DIGIT : "[" + DIGIT + "]";
                    case 'D' -> "[^" + DIGIT + "]";
                    case 'b' -> inClass ? "\\x08" : BOUNDARY; // in a class, Python's \b is a backspace
                    case 'Z' -> "\\z";
                    case 'B' -> throw new IllegalArgumentException("\\B is not translated (Python's differs at the ends of the text): " + python);
                    default -> "\\" + e;
                });
                continue;
            }
            if (inClass) {
                if (c == ']' && !classJustOpened(python, i)) inClass = false;
                if (c == '[') out.append('\\'); // a literal "[" in a Python class would open a nested class in Java
                out.append(c);
                continue;
            }
            if (c == '[') {
                inClass = true;
            } else if (c == '{') {
                if (!quantifier(python, i)) {
                    throw new IllegalArgumentException("a literal '{' is not translated (Java reads it as a quantifier): " + python);
                }
                if (python.charAt(i + 1) == ',') { // Python's {,n} is Java's {0,n}
                    out.append("{0");
                    continue;
                }
            } else if (python.startsWith("(?P<", i)) {
                out.append("(?<");
                i += 3;
                continue;
            } else if (python.startsWith("(?P=", i)) {
                throw new IllegalArgumentException("(?P=name) is not translated: " + python);
            }
            out.append(c);
        }
        if (inClass) throw new IllegalArgumentException("unterminated character class: " + python);
        return out.toString();
    }

    /** Whether the "]" at {@code i} is the first character of its class (then it is literal, in both dialects). */
    private static boolean classJustOpened(String p, int i) {
        int open = i - 1;
        if (open >= 0 && p.charAt(open) == '^') open--;
        return open >= 0 && p.charAt(open) == '[' && (open == 0 || p.charAt(open - 1) != '\\');
    }

    /** Whether the "{" at {@code i} starts a quantifier {m}, {m,} or {m,n}, as Python reads it. */
    private static boolean quantifier(String p, int i) {
        int close = p.indexOf('}', i);
        return close > i + 1 && p.substring(i + 1, close).matches("\\d+(,\\d*)?|,\\d+");
    }

    /** Python's {@code str.strip()}: Java's {@link String#strip()} keeps U+0085, U+00A0, U+2007 and U+202F. */
    public static String strip(String s) {
        return EDGE_WHITESPACE.matcher(s).replaceAll("");
    }
}
