package dev.mutual.eval.ifeval;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import dev.mutual.eval.text.PythonRegex;

import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One verifiable instruction of IFEval (Zhou et al. 2023, arXiv 2311.07911), ported from google-research
 * {@code instruction_following_eval/instructions.py}: the 25 checkers registered in {@code instructions_registry.py},
 * with the same ids, kwargs and counting rules. Each record holds the kwargs of one instruction (validated like the
 * reference's {@code build_description}) and answers {@link #isFollowedBy} like its {@code check_following}.
 *
 * <p>Regexes are the reference's Python patterns compiled by {@link PythonRegex}, so they read text as Python 3's
 * {@code re} does: {@code .}, {@code ^} and {@code $} treat only {@code \n} as a line break, and {@code \s},
 * {@code \w}, {@code \d}, {@code \b} and ignoring case follow Python's Unicode rules (IfevalRegexParityTest checks
 * patterns and verdicts against Python). Keywords, section splitters and postscript markers are spliced into patterns
 * unescaped, as the reference does.
 */
public sealed interface Instruction {

    /** The registry id, e.g. {@code "keywords:existence"}. */
    String id();

    /** Whether {@code response} follows this instruction (the reference's {@code check_following}). */
    boolean isFollowedBy(String response);

    /** Compiles a pattern built from kwargs, reporting a bad one as a kwargs error (the loader names file and line). */
    private static Pattern compile(String regex, int flags, String kwarg) {
        try {
            return PythonRegex.compile(regex, flags);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("kwarg '" + kwarg + "' is used as a regular expression, as in the reference, "
                    + "and '" + regex + "' is not one: "
                    + (e instanceof java.util.regex.PatternSyntaxException bad ? bad.getDescription() : e.getMessage()));
        }
    }

    /** The reference draws a random threshold for a negative one; here it is an error in the prompts file. */
    private static void requireNonNegative(int value, String kwarg) {
        if (value < 0) throw new IllegalArgumentException(kwarg + " must be >= 0, found " + value);
    }

    /** The comparison of {@code length_constraints:*}, {@code keywords:frequency} and friends. */
    enum Relation {
        LESS_THAN("less than"), AT_LEAST("at least");

        final String text;

        Relation(String text) {
            this.text = text;
        }

        boolean holds(int actual, int threshold) {
            return this == LESS_THAN ? actual < threshold : actual >= threshold;
        }

        static Relation parse(String text) {
            for (Relation r : values()) {
                if (r.text.equals(text)) return r;
            }
            throw new IllegalArgumentException("relation must be 'less than' or 'at least', found '" + text + "'");
        }
    }

    // ---- keywords ----------------------------------------------------------------------------------------------

    /** {@code keywords:existence}: every keyword is found (as a case-insensitive regex search). */
    record KeywordExistence(List<String> keywords) implements Instruction {
        public KeywordExistence {
            keywords = List.copyOf(keywords);
            if (keywords.isEmpty()) throw new IllegalArgumentException("keywords must not be empty");
            for (String k : keywords) compile(k, Pattern.CASE_INSENSITIVE, "keywords");
        }

        public String id() { return "keywords:existence"; }

        public boolean isFollowedBy(String response) {
            for (String keyword : keywords) {
                if (!PythonRegex.compile(keyword, Pattern.CASE_INSENSITIVE).matcher(response).find()) return false;
            }
            return true;
        }
    }

    /** {@code keywords:frequency}: non-overlapping case-insensitive matches of the keyword, compared to frequency. */
    record KeywordFrequency(String keyword, int frequency, Relation relation) implements Instruction {
        public KeywordFrequency {
            keyword = PythonText.strip(keyword);
            if (keyword.isEmpty()) throw new IllegalArgumentException("keyword must not be empty");
            compile(keyword, Pattern.CASE_INSENSITIVE, "keyword");
            requireNonNegative(frequency, "frequency");
            Objects.requireNonNull(relation, "relation");
        }

        public String id() { return "keywords:frequency"; }

        public boolean isFollowedBy(String response) {
            Matcher m = PythonRegex.compile(keyword, Pattern.CASE_INSENSITIVE).matcher(response);
            int occurrences = 0;
            while (m.find()) occurrences++;
            return relation.holds(occurrences, frequency);
        }
    }

    /** {@code keywords:forbidden_words}: none of the words appears between word boundaries, ignoring case. */
    record ForbiddenWords(List<String> forbiddenWords) implements Instruction {
        public ForbiddenWords {
            forbiddenWords = List.copyOf(forbiddenWords);
            for (String w : forbiddenWords) compile("\\b" + w + "\\b", Pattern.CASE_INSENSITIVE, "forbidden_words");
        }

        public String id() { return "keywords:forbidden_words"; }

        public boolean isFollowedBy(String response) {
            for (String word : forbiddenWords) {
                if (PythonRegex.compile("\\b" + word + "\\b", Pattern.CASE_INSENSITIVE).matcher(response).find()) {
                    return false;
                }
            }
            return true;
        }
    }

    /** {@code keywords:letter_frequency}: occurrences of one letter in the lowercased response. */
    record LetterFrequency(String letter, int frequency, Relation relation) implements Instruction {
        public LetterFrequency {
            letter = PythonText.lower(PythonText.strip(letter));
            if (letter.length() != 1) throw new IllegalArgumentException("letter must be one character, found '" + letter + "'");
            requireNonNegative(frequency, "let_frequency");
            Objects.requireNonNull(relation, "relation");
        }

        public String id() { return "keywords:letter_frequency"; }

        public boolean isFollowedBy(String response) {
            String lower = PythonText.lower(response);
            char c = letter.charAt(0);
            int count = 0;
            for (int i = 0; i < lower.length(); i++) {
                if (lower.charAt(i) == c) count++;
            }
            return relation.holds(count, frequency);
        }
    }

    // ---- language ----------------------------------------------------------------------------------------------

    /**
     * {@code language:response_language}: langdetect's top language equals the ISO 639-1 code. Text without
     * features (no letters) counts as followed, as in the reference.
     */
    record ResponseLanguage(String language) implements Instruction {
        public ResponseLanguage {
            if (language == null || language.isBlank()) throw new IllegalArgumentException("language must be an ISO 639-1 code");
        }

        public String id() { return "language:response_language"; }

        public boolean isFollowedBy(String response) {
            return LanguageDetector.detect(response).map(language::equals).orElse(true);
        }
    }

    // ---- length constraints ------------------------------------------------------------------------------------

    /** {@code length_constraints:number_sentences}: sentences as counted by NLTK's English Punkt model. */
    record NumberOfSentences(int numSentences, Relation relation) implements Instruction {
        public NumberOfSentences {
            requireNonNegative(numSentences, "num_sentences");
            Objects.requireNonNull(relation, "relation");
        }

        public String id() { return "length_constraints:number_sentences"; }

        public boolean isFollowedBy(String response) {
            return relation.holds(PunktSentenceTokenizer.ENGLISH.countSentences(response), numSentences);
        }
    }

    /**
     * {@code length_constraints:number_paragraphs}: paragraphs separated by the markdown divider {@code ***}; an
     * empty part is allowed only at either end, an empty one in the middle fails the instruction.
     */
    record NumberOfParagraphs(int numParagraphs) implements Instruction {
        private static final Pattern DIVIDER = PythonRegex.compile("\\s?\\*\\*\\*\\s?", 0);

        public NumberOfParagraphs {
            requireNonNegative(numParagraphs, "num_paragraphs");
        }

        public String id() { return "length_constraints:number_paragraphs"; }

        public boolean isFollowedBy(String response) {
            String[] paragraphs = DIVIDER.split(response, -1);
            int count = paragraphs.length;
            for (int i = 0; i < paragraphs.length; i++) {
                if (PythonText.strip(paragraphs[i]).isEmpty()) {
                    if (i == 0 || i == paragraphs.length - 1) count--;
                    else return false;
                }
            }
            return count == numParagraphs;
        }
    }

    /** {@code length_constraints:number_words}: words are runs of {@code \w} (NLTK's {@code RegexpTokenizer(r"\w+")}). */
    record NumberOfWords(int numWords, Relation relation) implements Instruction {
        /** NLTK's {@code RegexpTokenizer(r"\w+")}, which compiles with {@code re.UNICODE | re.MULTILINE | re.DOTALL}. */
        private static final Pattern WORD = PythonRegex.compile("\\w+", Pattern.MULTILINE | Pattern.DOTALL);

        public NumberOfWords {
            requireNonNegative(numWords, "num_words");
            Objects.requireNonNull(relation, "relation");
        }

        public String id() { return "length_constraints:number_words"; }

        public boolean isFollowedBy(String response) {
            return relation.holds(countWords(response), numWords);
        }

        static int countWords(String text) {
            Matcher m = WORD.matcher(text);
            int n = 0;
            while (m.find()) n++;
            return n;
        }
    }

    /**
     * {@code length_constraints:nth_paragraph_first_word}: paragraphs split on {@code "\n\n"}, the non-empty ones
     * counted; the nth part (counting empty parts, as the reference indexes the raw split) starts with the word.
     */
    record NthParagraphFirstWord(int numParagraphs, int nthParagraph, String firstWord) implements Instruction {
        public NthParagraphFirstWord {
            requireNonNegative(numParagraphs, "num_paragraphs");
            if (nthParagraph <= 0 || nthParagraph > numParagraphs) {
                throw new IllegalArgumentException("nth_paragraph must be in 1.." + numParagraphs + ", found " + nthParagraph);
            }
            firstWord = PythonText.lower(Objects.requireNonNull(firstWord, "first_word"));
        }

        public String id() { return "length_constraints:nth_paragraph_first_word"; }

        public boolean isFollowedBy(String response) {
            String[] paragraphs = response.split("\n\n", -1);
            int count = paragraphs.length;
            for (String p : paragraphs) {
                if (PythonText.strip(p).isEmpty()) count--;
            }
            if (nthParagraph > count) return false;
            String paragraph = PythonText.strip(paragraphs[nthParagraph - 1]);
            if (paragraph.isEmpty()) return false;
            String word = PythonText.splitOnWhitespace(paragraph).get(0);
            word = PythonText.lstrip(PythonText.lstrip(word, "'"), "\"");
            StringBuilder first = new StringBuilder();
            for (int i = 0; i < word.length(); i++) {
                char c = word.charAt(i);
                if (".,?!'\"".indexOf(c) >= 0) break;
                first.append(c);
            }
            return count == numParagraphs && PythonText.lower(first.toString()).equals(firstWord);
        }
    }

    // ---- detectable content ------------------------------------------------------------------------------------

    /** {@code detectable_content:number_placeholders}: at least n {@code [...]} on one line. */
    record NumberOfPlaceholders(int numPlaceholders) implements Instruction {
        private static final Pattern PLACEHOLDER = PythonRegex.compile("\\[.*?\\]", 0);

        public NumberOfPlaceholders {
            requireNonNegative(numPlaceholders, "num_placeholders");
        }

        public String id() { return "detectable_content:number_placeholders"; }

        public boolean isFollowedBy(String response) {
            Matcher m = PLACEHOLDER.matcher(response);
            int n = 0;
            while (m.find()) n++;
            return n >= numPlaceholders;
        }
    }

    /** {@code detectable_content:postscript}: a line containing the marker (P.S. and P.P.S allow spaces), any case. */
    record Postscript(String postscriptMarker) implements Instruction {
        public Postscript {
            postscriptMarker = PythonText.strip(Objects.requireNonNull(postscriptMarker, "postscript_marker"));
            compile("\\s*" + PythonText.lower(postscriptMarker) + ".*$", Pattern.MULTILINE, "postscript_marker");
        }

        public String id() { return "detectable_content:postscript"; }

        public boolean isFollowedBy(String response) {
            String pattern = switch (postscriptMarker) {
                case "P.P.S" -> "\\s*p\\.\\s?p\\.\\s?s.*$";
                case "P.S." -> "\\s*p\\.\\s?s\\..*$";
                default -> "\\s*" + PythonText.lower(postscriptMarker) + ".*$";
            };
            return PythonRegex.compile(pattern, Pattern.MULTILINE).matcher(PythonText.lower(response)).find();
        }
    }

    // ---- detectable format -------------------------------------------------------------------------------------

    /** {@code detectable_format:number_bullet_lists}: exactly n lines starting with {@code *} or {@code -}. */
    record NumberOfBullets(int numBullets) implements Instruction {
        private static final Pattern STAR = PythonRegex.compile("^\\s*\\*[^*].*$", Pattern.MULTILINE);
        private static final Pattern DASH = PythonRegex.compile("^\\s*-.*$", Pattern.MULTILINE);

        public NumberOfBullets {
            requireNonNegative(numBullets, "num_bullets");
        }

        public String id() { return "detectable_format:number_bullet_lists"; }

        public boolean isFollowedBy(String response) {
            int n = 0;
            for (Matcher m = STAR.matcher(response); m.find(); ) n++;
            for (Matcher m = DASH.matcher(response); m.find(); ) n++;
            return n == numBullets;
        }
    }

    /** {@code detectable_format:constrained_response}: contains "My answer is yes/no/maybe." */
    record ConstrainedResponse() implements Instruction {
        private static final List<String> OPTIONS = List.of("My answer is yes.", "My answer is no.", "My answer is maybe.");

        public String id() { return "detectable_format:constrained_response"; }

        public boolean isFollowedBy(String response) {
            String value = PythonText.strip(response);
            for (String option : OPTIONS) {
                if (value.contains(option)) return true;
            }
            return false;
        }
    }

    /**
     * {@code detectable_format:number_highlighted_sections}: non-empty {@code *x*} spans on one line, plus (counted
     * again, as the reference does) non-empty {@code **x**} spans.
     */
    record NumberOfHighlights(int numHighlights) implements Instruction {
        private static final Pattern SINGLE = PythonRegex.compile("\\*[^\\n*]*\\*", 0);
        private static final Pattern DOUBLE = PythonRegex.compile("\\*\\*[^\\n*]*\\*\\*", 0);

        public NumberOfHighlights {
            requireNonNegative(numHighlights, "num_highlights");
        }

        public String id() { return "detectable_format:number_highlighted_sections"; }

        public boolean isFollowedBy(String response) {
            int n = 0;
            for (Matcher m = SINGLE.matcher(response); m.find(); ) {
                if (!PythonText.strip(PythonText.strip(m.group(), "*")).isEmpty()) n++;
            }
            for (Matcher m = DOUBLE.matcher(response); m.find(); ) {
                String inner = m.group().substring(2, m.group().length() - 2);
                if (!PythonText.strip(inner).isEmpty()) n++;
            }
            return n >= numHighlights;
        }
    }

    /** {@code detectable_format:multiple_sections}: at least n sections opened by "{splitter} {number}". */
    record MultipleSections(String sectionSpliter, int numSections) implements Instruction {
        public MultipleSections {
            sectionSpliter = PythonText.strip(Objects.requireNonNull(sectionSpliter, "section_spliter"));
            compile("\\s?" + sectionSpliter + "\\s?\\d+\\s?", 0, "section_spliter");
            requireNonNegative(numSections, "num_sections");
        }

        public String id() { return "detectable_format:multiple_sections"; }

        public boolean isFollowedBy(String response) {
            Pattern splitter = PythonRegex.compile("\\s?" + sectionSpliter + "\\s?\\d+\\s?", 0);
            return splitter.split(response, -1).length - 1 >= numSections;
        }
    }

    /**
     * {@code detectable_format:json_format}: the response, less a markdown code fence, parses as JSON. Python's
     * {@code json.loads} accepts any top-level value and NaN/Infinity, and rejects trailing data; so does this.
     */
    record JsonFormat() implements Instruction {
        private static final ObjectMapper STRICT_JSON = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();

        public String id() { return "detectable_format:json_format"; }

        public boolean isFollowedBy(String response) {
            String value = PythonText.strip(response);
            for (String fence : List.of("```json", "```Json", "```JSON", "```")) {
                if (value.startsWith(fence)) value = value.substring(fence.length());
            }
            if (value.endsWith("```")) value = value.substring(0, value.length() - 3);
            value = PythonText.strip(value);
            if (value.isEmpty()) return false;
            try {
                return STRICT_JSON.readTree(value) != null;
            } catch (JsonProcessingException e) {
                return false;
            }
        }
    }

    /** {@code detectable_format:title}: a non-empty {@code <<title>>} on one line. */
    record Title() implements Instruction {
        private static final Pattern TITLE = PythonRegex.compile("<<[^\\n]+>>", 0);

        public String id() { return "detectable_format:title"; }

        public boolean isFollowedBy(String response) {
            for (Matcher m = TITLE.matcher(response); m.find(); ) {
                if (!PythonText.strip(PythonText.rstrip(PythonText.lstrip(m.group(), "<"), ">")).isEmpty()) return true;
            }
            return false;
        }
    }

    // ---- combination -------------------------------------------------------------------------------------------

    /** {@code combination:two_responses}: exactly two different non-empty parts separated by {@code ******}. */
    record TwoResponses() implements Instruction {
        public String id() { return "combination:two_responses"; }

        public boolean isFollowedBy(String response) {
            String[] parts = response.split(Pattern.quote("******"), -1);
            List<String> valid = new java.util.ArrayList<>();
            for (int i = 0; i < parts.length; i++) {
                if (PythonText.strip(parts[i]).isEmpty()) {
                    if (i != 0 && i != parts.length - 1) return false;
                } else {
                    valid.add(parts[i]);
                }
            }
            return valid.size() == 2 && !PythonText.strip(valid.get(0)).equals(PythonText.strip(valid.get(1)));
        }
    }

    /** {@code combination:repeat_prompt}: the response starts with the request, ignoring case and outer space. */
    record RepeatPrompt(String promptToRepeat) implements Instruction {
        public RepeatPrompt {
            if (promptToRepeat == null || promptToRepeat.isEmpty()) throw new IllegalArgumentException("prompt_to_repeat must be set");
        }

        public String id() { return "combination:repeat_prompt"; }

        public boolean isFollowedBy(String response) {
            return PythonText.lower(PythonText.strip(response)).startsWith(PythonText.lower(PythonText.strip(promptToRepeat)));
        }
    }

    // ---- start / end -------------------------------------------------------------------------------------------

    /** {@code startend:end_checker}: ends with the phrase, ignoring case, outer space and outer double quotes. */
    record EndChecker(String endPhrase) implements Instruction {
        public EndChecker {
            endPhrase = PythonText.strip(Objects.requireNonNull(endPhrase, "end_phrase"));
        }

        public String id() { return "startend:end_checker"; }

        public boolean isFollowedBy(String response) {
            String value = PythonText.lower(PythonText.strip(PythonText.strip(response), "\""));
            return value.endsWith(PythonText.lower(endPhrase));
        }
    }

    /** {@code startend:quotation}: wrapped in double quotation marks. */
    record Quotation() implements Instruction {
        public String id() { return "startend:quotation"; }

        public boolean isFollowedBy(String response) {
            String value = PythonText.strip(response);
            return value.length() > 1 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"';
        }
    }

    // ---- change case -------------------------------------------------------------------------------------------

    /** {@code change_case:capital_word_frequency}: all-caps tokens of NLTK's {@code word_tokenize}. */
    record CapitalWordFrequency(int capitalFrequency, Relation capitalRelation) implements Instruction {
        public CapitalWordFrequency {
            Objects.requireNonNull(capitalRelation, "capital_relation");
        }

        public String id() { return "change_case:capital_word_frequency"; }

        public boolean isFollowedBy(String response) {
            int capitalWords = 0;
            for (String token : TreebankWordTokenizer.wordTokenize(response)) {
                if (PythonText.isUpper(token)) capitalWords++;
            }
            return capitalRelation.holds(capitalWords, capitalFrequency);
        }
    }

    /** {@code change_case:english_capital}: all cased letters upper and langdetect says English. */
    record EnglishCapital() implements Instruction {
        public String id() { return "change_case:english_capital"; }

        public boolean isFollowedBy(String response) {
            return PythonText.isUpper(response) && LanguageDetector.detect(response).map("en"::equals).orElse(true);
        }
    }

    /** {@code change_case:english_lowercase}: all cased letters lower and langdetect says English. */
    record EnglishLowercase() implements Instruction {
        public String id() { return "change_case:english_lowercase"; }

        public boolean isFollowedBy(String response) {
            return PythonText.isLower(response) && LanguageDetector.detect(response).map("en"::equals).orElse(true);
        }
    }

    // ---- punctuation -------------------------------------------------------------------------------------------

    /** {@code punctuation:no_comma}: no ASCII comma anywhere. */
    record NoComma() implements Instruction {
        public String id() { return "punctuation:no_comma"; }

        public boolean isFollowedBy(String response) {
            return response.indexOf(',') < 0;
        }
    }
}
