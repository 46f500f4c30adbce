package dev.mutual.eval.ifeval;

import dev.mutual.eval.text.PythonRegex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NLTK's Punkt sentence tokenizer (Kiss and Strunk 2006; {@code nltk/tokenize/punkt.py}, 3.8 algorithm), which IFEval
 * uses to count sentences ({@code instructions_util.count_sentences}) and, through {@code word_tokenize}, to split
 * text before word tokenization.
 *
 * <p>The algorithm is ported in full: candidate ends {@code . ? !} in their context, Punkt's word tokenizer, the
 * first-pass annotation (abbreviations, ellipses, sentence breaks), the second pass (collocation, orthographic,
 * sentence-starter, initial and ordinal heuristics) and boundary realignment. What is not available offline is
 * NLTK's trained English model ({@code punkt/english.pickle}: ~2,000 abbreviations, collocations, sentence
 * starters and orthographic statistics). {@link #ENGLISH} therefore runs the same algorithm with two small
 * hand-made stand-ins: common English abbreviations and the orthographic context of frequent sentence starters.
 * {@code PunktSentenceTokenizerTest} checks the algorithm against NLTK's own code with the same parameters, and
 * {@code IfevalGoldenTest} lists the golden verdicts where the stand-ins still differ from the trained model.
 */
final class PunktSentenceTokenizer {

    /** Orthographic context bits (punkt.py {@code _ORTHO_*}): where a word type was seen upper/lower case. */
    static final int ORTHO_BEG_UC = 1 << 1, ORTHO_MID_UC = 1 << 2, ORTHO_UNK_UC = 1 << 3;
    static final int ORTHO_BEG_LC = 1 << 4, ORTHO_MID_LC = 1 << 5, ORTHO_UNK_LC = 1 << 6;
    static final int ORTHO_UC = ORTHO_BEG_UC | ORTHO_MID_UC | ORTHO_UNK_UC;
    static final int ORTHO_LC = ORTHO_BEG_LC | ORTHO_MID_LC | ORTHO_UNK_LC;

    /**
     * The trained parameters of a Punkt model (punkt.py {@code PunktParameters}).
     *
     * @param abbrevTypes   abbreviation types, lowercase, without the final period ("dr", "e.g")
     * @param collocations  "type1 type2" pairs whose period is not a break ("##number## september")
     * @param sentStarters  types that frequently start sentences
     * @param orthoContext  type to {@code ORTHO_*} bits
     */
    record Parameters(Set<String> abbrevTypes, Set<String> collocations, Set<String> sentStarters,
                      Map<String, Integer> orthoContext) {
        Parameters {
            abbrevTypes = Set.copyOf(abbrevTypes);
            collocations = Set.copyOf(collocations);
            sentStarters = Set.copyOf(sentStarters);
            orthoContext = Map.copyOf(orthoContext);
        }
    }

    /**
     * Common English abbreviations (titles, Latin, months, units, company suffixes): a hand-made stand-in for the
     * abbreviation list of NLTK's trained English model, which cannot be fetched here.
     */
    static final Set<String> COMMON_ENGLISH_ABBREVIATIONS = Set.of(
            "mr", "mrs", "ms", "dr", "prof", "rev", "hon", "st", "jr", "sr", "gen", "gov", "sen", "rep", "col", "lt",
            "sgt", "capt", "cmdr", "adm", "maj", "messrs", "mt", "ft", "ave", "blvd", "rd", "inc", "ltd", "co", "corp",
            "bros", "vs", "etc", "e.g", "i.e", "cf", "al", "approx", "dept", "est", "fig", "figs", "vol", "vols", "no",
            "nos", "pp", "ed", "eds", "u.s", "u.k", "u.n", "a.m", "p.m", "ph.d", "b.a", "m.a", "jan", "feb", "mar",
            "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec");

    /**
     * Frequent English words that start sentences capitalized and occur lowercase inside them. The trained model's
     * orthographic context records exactly that for such words ({@code ORTHO_BEG_UC | ORTHO_MID_LC}), which makes
     * "etc. The" or "o. Let's" a sentence break; without it such a break would be missed.
     */
    static final Set<String> COMMON_SENTENCE_STARTERS = Set.of(
            "the", "a", "an", "this", "that", "these", "those", "it", "its", "he", "she", "we", "they", "you", "there",
            "here", "let", "in", "on", "at", "for", "but", "and", "or", "if", "when", "while", "as", "so", "what",
            "how", "why", "who", "where", "my", "our", "your", "their", "his", "her", "please", "also", "however",
            "then", "now", "with", "to", "of", "by", "from", "not", "no", "yes", "all", "each", "every", "some", "many",
            "most", "one", "after", "before", "during", "is", "are", "was", "were", "can", "will", "would", "should",
            "could", "may", "do", "does", "did", "have", "has", "be", "just", "even", "only", "because", "although",
            "thank", "thanks", "remember", "finally", "first", "second", "next", "lastly", "overall", "today");

    /** The tokenizer IFEval's checkers use here: Punkt with the two hand-made stand-ins above. */
    static final PunktSentenceTokenizer ENGLISH = new PunktSentenceTokenizer(new Parameters(
            COMMON_ENGLISH_ABBREVIATIONS, Set.of(), Set.of(), orthoContextOf(COMMON_SENTENCE_STARTERS)));

    private static Map<String, Integer> orthoContextOf(Set<String> starters) {
        Map<String, Integer> context = new java.util.HashMap<>();
        for (String w : starters) context.put(w, ORTHO_BEG_UC | ORTHO_MID_LC);
        return context;
    }

    // PunktLanguageVars: sentence end characters, non-word characters, multi-character punctuation.
    private static final String NON_WORD = "(?:[)\";}\\]*:@'({\\[!?])";
    private static final String MULTI_CHAR = "(?:-{2,}|\\.{2,}|(?:\\.\\s){2,}\\.)";
    private static final String WORD_START = "[^(\"`{\\[:;&#*@)}\\]\\-,]";
    private static final Pattern PERIOD_CONTEXT = PythonRegex.compile(
            "[.?!](?=(?<afterTok>" + NON_WORD + "|\\s+(?<nextTok>\\S+)))", 0);
    private static final Pattern WORD_TOKEN = PythonRegex.compile(
            MULTI_CHAR + "|(?=" + WORD_START + ")\\S+?(?=\\s|$|" + NON_WORD + "|" + MULTI_CHAR
                    + "|,(?=$|\\s|" + NON_WORD + "|" + MULTI_CHAR + "))|\\S", 0);
    private static final Pattern BOUNDARY_REALIGNMENT = PythonRegex.compile("[\"')\\]}]+?(?:\\s+|(?=--)|$)",
            Pattern.MULTILINE);
    // PunktToken: numbers become "##number##"; an initial is one letter and a period.
    private static final Pattern NUMERIC = PythonRegex.compile("^-?[.,]?\\d[\\d,.-]*\\.?$", 0);
    private static final Pattern INITIAL = PythonRegex.compile("[^\\W\\d]\\.", 0);
    private static final Pattern ELLIPSIS = PythonRegex.compile("\\.\\.+", 0);
    private static final String NUMBER_TYPE = "##number##";

    private final Parameters params;

    PunktSentenceTokenizer(Parameters params) {
        this.params = params;
    }

    /** {@code len(tokenizer.tokenize(text))}. */
    int countSentences(String text) {
        return tokenize(text).size();
    }

    /** Splits {@code text} into sentences, like {@code PunktSentenceTokenizer.tokenize(text)}. */
    List<String> tokenize(String text) {
        List<String> sentences = new ArrayList<>();
        for (int[] span : realignBoundaries(text, slicesFromText(text))) {
            sentences.add(text.substring(span[0], span[1]));
        }
        return sentences;
    }

    /** {@code _slices_from_text}: a slice ends after each candidate whose context contains a sentence break. */
    private List<int[]> slicesFromText(String text) {
        List<int[]> slices = new ArrayList<>();
        int lastBreak = 0;
        for (EndContext c : potentialEndContexts(text)) {
            if (containsSentenceBreak(c.context)) {
                slices.add(new int[] {lastBreak, c.end});
                lastBreak = c.nextTokStart >= 0 ? c.nextTokStart : c.end;
            }
        }
        slices.add(new int[] {lastBreak, PythonText.rstripWhitespace(text).length()});
        return slices;
    }

    private record EndContext(int end, int nextTokStart, String context) {}

    /**
     * {@code _match_potential_end_contexts}: each candidate with the word before it; a candidate whose word overlaps
     * the next candidate's (as in "?!" or "...") is dropped in favour of the later one.
     */
    private static List<EndContext> potentialEndContexts(String text) {
        List<EndContext> contexts = new ArrayList<>();
        int prevStart = 0, prevStop = 0;
        int prevMatchStart = -1, prevMatchEnd = -1, prevNextTok = -1;
        String prevAfterTok = null;
        Matcher m = PERIOD_CONTEXT.matcher(text);
        while (m.find()) {
            String before = text.substring(prevStop, m.start());
            int lastSpace = lastWhitespaceIndex(before);
            // Python's `if index_after_last_space:` also treats a space at index 0 as "no space": kept as is.
            int wordStart = lastSpace != 0 ? lastSpace + prevStop + 1 : prevStart;
            if (prevMatchStart >= 0 && prevStop <= wordStart) {
                contexts.add(new EndContext(prevMatchEnd, prevNextTok,
                        text.substring(prevStart, prevStop) + text.substring(prevMatchStart, prevMatchEnd) + prevAfterTok));
            }
            prevMatchStart = m.start();
            prevMatchEnd = m.end();
            prevAfterTok = m.group("afterTok");
            prevNextTok = m.group("nextTok") != null ? m.start("nextTok") : -1;
            prevStart = wordStart;
            prevStop = m.start();
        }
        if (prevMatchStart >= 0) {
            contexts.add(new EndContext(prevMatchEnd, prevNextTok,
                    text.substring(prevStart, prevStop) + text.substring(prevMatchStart, prevMatchEnd) + prevAfterTok));
        }
        return contexts;
    }

    /** Index of the last ASCII whitespace ({@code string.whitespace}) in {@code s}, or 0 when there is none. */
    private static int lastWhitespaceIndex(String s) {
        for (int i = s.length() - 1; i >= 0; i--) {
            if (" \t\n\r\u000b\f".indexOf(s.charAt(i)) >= 0) return i;
        }
        return 0;
    }

    /** {@code text_contains_sentbreak}: a token other than the last one is annotated as a sentence break. */
    private boolean containsSentenceBreak(String context) {
        List<Token> tokens = annotate(tokenizeWords(context));
        for (int i = 0; i < tokens.size() - 1; i++) {
            if (tokens.get(i).sentbreak) return true;
        }
        return false;
    }

    /** {@code _realign_boundaries}: closing quotes and brackets after a break move to the earlier sentence. */
    private static List<int[]> realignBoundaries(String text, List<int[]> slices) {
        List<int[]> out = new ArrayList<>();
        int realign = 0;
        for (int i = 0; i < slices.size(); i++) {
            int start = slices.get(i)[0] + realign;
            int stop = slices.get(i)[1];
            if (i == slices.size() - 1) {
                if (start < stop) out.add(new int[] {start, stop});
                continue;
            }
            int[] next = slices.get(i + 1);
            Matcher m = BOUNDARY_REALIGNMENT.matcher(text.substring(next[0], next[1]));
            if (m.lookingAt()) {
                out.add(new int[] {start, next[0] + PythonText.rstripWhitespace(m.group()).length()});
                realign = m.end();
            } else {
                realign = 0;
                if (start < stop) out.add(new int[] {start, stop});
            }
        }
        return out;
    }

    /** One token of Punkt's word tokenizer with its annotations (punkt.py {@code PunktToken}). */
    private static final class Token {
        final String tok;
        final String type;
        final boolean periodFinal;
        boolean sentbreak, abbr, ellipsis;

        Token(String tok) {
            this.tok = tok;
            this.type = NUMERIC.matcher(PythonText.lower(tok)).matches() ? NUMBER_TYPE : PythonText.lower(tok);
            this.periodFinal = tok.endsWith(".");
        }

        String typeNoPeriod() {
            return type.length() > 1 && type.endsWith(".") ? type.substring(0, type.length() - 1) : type;
        }

        String typeNoSentPeriod() {
            return sentbreak ? typeNoPeriod() : type;
        }

        boolean firstUpper() {
            return Character.isUpperCase(tok.codePointAt(0));
        }

        boolean firstLower() {
            return Character.isLowerCase(tok.codePointAt(0));
        }

        boolean isEllipsis() {
            return ELLIPSIS.matcher(tok).matches();
        }

        boolean isInitial() {
            return INITIAL.matcher(tok).matches();
        }
    }

    /** {@code _tokenize_words}: Punkt's word tokenizer, line by line. */
    private static List<Token> tokenizeWords(String text) {
        List<Token> tokens = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (PythonText.strip(line).isEmpty()) continue;
            Matcher m = WORD_TOKEN.matcher(line);
            while (m.find()) tokens.add(new Token(m.group()));
        }
        return tokens;
    }

    private List<Token> annotate(List<Token> tokens) {
        for (Token t : tokens) firstPass(t);
        for (int i = 0; i < tokens.size() - 1; i++) secondPass(tokens.get(i), tokens.get(i + 1));
        return tokens;
    }

    /** {@code _first_pass_annotation}: end characters break; a final period breaks unless after an abbreviation. */
    private void firstPass(Token t) {
        String tok = t.tok;
        if (tok.equals(".") || tok.equals("?") || tok.equals("!")) {
            t.sentbreak = true;
        } else if (t.isEllipsis()) {
            t.ellipsis = true;
        } else if (t.periodFinal && !tok.endsWith("..")) {
            String stem = PythonText.lower(tok.substring(0, tok.length() - 1));
            String lastPart = stem.substring(stem.lastIndexOf('-') + 1);
            if (params.abbrevTypes.contains(stem) || params.abbrevTypes.contains(lastPart)) t.abbr = true;
            else t.sentbreak = true;
        }
    }

    /** {@code _second_pass_annotation}: revisits tokens ending in a period, looking at the next token. */
    private void secondPass(Token t1, Token t2) {
        if (!t1.periodFinal) return;
        String typ = t1.typeNoPeriod();
        String nextTyp = t2.typeNoSentPeriod();
        boolean initial = t1.isInitial();
        // [4.1.2] collocation heuristic
        if (params.collocations.contains(typ + " " + nextTyp)) {
            t1.sentbreak = false;
            t1.abbr = true;
            return;
        }
        // [4.2] an abbreviation or ellipsis is also a break before a sentence starter
        if ((t1.abbr || t1.ellipsis) && !initial) {
            Boolean starter = orthoHeuristic(t2);
            if (Boolean.TRUE.equals(starter)) {
                t1.sentbreak = true;
                return;
            }
            if (t2.firstUpper() && params.sentStarters.contains(nextTyp)) {
                t1.sentbreak = true;
                return;
            }
        }
        // [4.3] initials and ordinals are not breaks before a non-starter
        if (initial || typ.equals(NUMBER_TYPE)) {
            Boolean starter = orthoHeuristic(t2);
            if (Boolean.FALSE.equals(starter)) {
                t1.sentbreak = false;
                t1.abbr = true;
                return;
            }
            if (starter == null && initial && t2.firstUpper() && (ortho(nextTyp) & ORTHO_LC) == 0) {
                t1.sentbreak = false;
                t1.abbr = true;
            }
        }
    }

    /** {@code _ortho_heuristic}: TRUE (starts a sentence), FALSE (does not), or null (unknown). */
    private Boolean orthoHeuristic(Token t) {
        if (";:,.!?".contains(t.tok)) return false;
        int context = ortho(t.typeNoSentPeriod());
        if (t.firstUpper() && (context & ORTHO_LC) != 0 && (context & ORTHO_MID_UC) == 0) return true;
        if (t.firstLower() && ((context & ORTHO_UC) != 0 || (context & ORTHO_BEG_LC) == 0)) return false;
        return null;
    }

    private int ortho(String type) {
        return params.orthoContext.getOrDefault(type, 0);
    }
}
