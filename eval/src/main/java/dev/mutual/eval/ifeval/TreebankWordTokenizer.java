package dev.mutual.eval.ifeval;

import dev.mutual.eval.text.PythonRegex;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * NLTK's {@code word_tokenize} ({@code nltk/tokenize/__init__.py}): Punkt sentences, each split by the improved
 * Penn Treebank tokenizer ({@code NLTKWordTokenizer}, {@code nltk/tokenize/destructive.py}), a fixed sequence of
 * regex substitutions that pad punctuation, quotes and clitics with spaces, then a split on whitespace (rules of
 * NLTK 3.10; {@code NltkTokenizersTest} checks them against it). IFEval
 * counts all-caps tokens of it for {@code change_case:capital_word_frequency}.
 */
final class TreebankWordTokenizer {
    private TreebankWordTokenizer() {}

    private record Rule(Pattern pattern, String replacement) {
        Rule(String regex, String replacement) {
            this(PythonRegex.compile(regex, 0), replacement);
        }

        String apply(String text) {
            return pattern.matcher(text).replaceAll(replacement);
        }
    }

    private static final List<Rule> STARTING_QUOTES = List.of(
            new Rule("([«“‘„]|`+)", " $1 "),
            new Rule("^\"", "``"),
            new Rule("(``)", " $1 "),
            new Rule("([ (\\[{<])(\"|'{2})", "$1 `` "),
            new Rule("(?i)(?<!\\w)(')(?!(?:re|ve|ll|m|t|s|d|n)\\b)(?=\\w)", "$1 "));

    private static final List<Rule> PUNCTUATION = List.of(
            new Rule("([^.])(\\.)([\\])}>\"'»”’ ]*)\\s*$", "$1 $2 $3 "), // the final period
            new Rule("([:,])([^\\d])", " $1 $2"),
            new Rule("([:,])$", " $1 "),
            new Rule("\\.{2,}", " $0 "),
            new Rule("[;@#$%&]", " $0 "),
            new Rule("[\u2012-\u2015]", " $0 "), // figure dash, en and em dashes, horizontal bar
            new Rule("([^.])(\\.)([\\])}>\"']*)\\s*$", "$1 $2$3 "),
            new Rule("[?!]", " $0 "),
            new Rule("([^'])' ", "$1 ' "),
            new Rule("[*]", " $0 "));

    private static final Rule PARENS_BRACKETS = new Rule("[\\]\\[(){}<>]", " $0 ");
    private static final Rule DOUBLE_DASHES = new Rule("--", " -- ");

    private static final List<Rule> ENDING_QUOTES = List.of(
            new Rule("([»”’])", " $1 "),
            new Rule("''", " '' "),
            new Rule("\"", " '' "),
            new Rule("\\s+", " "),
            new Rule("([^' ])('[sS]|'[mM]|'[dD]|') ", "$1 $2 "),
            new Rule("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", "$1 $2 "));

    /** Robert MacIntyre's contractions, as NLTK lists them (CONTRACTIONS2 and 3; 4 is unused there too). */
    private static final List<Rule> CONTRACTIONS = List.of(
            new Rule("(?i)\\b(can)(not)\\b", " $1 $2 "),
            new Rule("(?i)\\b(d)('ye)\\b", " $1 $2 "),
            new Rule("(?i)\\b(gim)(me)\\b", " $1 $2 "),
            new Rule("(?i)\\b(gon)(na)\\b", " $1 $2 "),
            new Rule("(?i)\\b(got)(ta)\\b", " $1 $2 "),
            new Rule("(?i)\\b(lem)(me)\\b", " $1 $2 "),
            new Rule("(?i)\\b(more)('n)\\b", " $1 $2 "),
            new Rule("(?i)\\b(wan)(na)(?=\\s)", " $1 $2 "),
            new Rule("(?i) ('t)(is)\\b", " $1 $2 "),
            new Rule("(?i) ('t)(was)\\b", " $1 $2 "));

    /** {@code nltk.word_tokenize(text)}: Punkt sentences, then Treebank tokens of each. */
    static List<String> wordTokenize(String text) {
        List<String> tokens = new ArrayList<>();
        for (String sentence : PunktSentenceTokenizer.ENGLISH.tokenize(text)) {
            tokens.addAll(tokenize(sentence));
        }
        return tokens;
    }

    /** {@code NLTKWordTokenizer().tokenize(text)} for one sentence. */
    static List<String> tokenize(String text) {
        for (Rule r : STARTING_QUOTES) text = r.apply(text);
        for (Rule r : PUNCTUATION) text = r.apply(text);
        text = PARENS_BRACKETS.apply(text);
        text = DOUBLE_DASHES.apply(text);
        text = " " + text + " ";
        for (Rule r : ENDING_QUOTES) text = r.apply(text);
        for (Rule r : CONTRACTIONS) text = r.apply(text);
        return PythonText.splitOnWhitespace(text);
    }
}
