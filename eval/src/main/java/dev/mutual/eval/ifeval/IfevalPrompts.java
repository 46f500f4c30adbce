package dev.mutual.eval.ifeval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;
import dev.mutual.eval.ifeval.Instruction.Relation;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads IFEval's {@code input_data.jsonl}: {@code {"key", "prompt", "instruction_id_list", "kwargs"}} per line, and
 * builds each instruction from its kwargs (the reference's {@code instructions_registry.INSTRUCTION_DICT} plus
 * {@code build_description(**kwargs)}). An unknown id, a missing or mistyped kwarg, or an unknown kwarg names the
 * file, line and key.
 */
public final class IfevalPrompts {
    /** The 541 prompts of google-research {@code instruction_following_eval/data/input_data.jsonl}, bundled. */
    public static final String BUNDLED = "/dev/mutual/eval/ifeval/input_data.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private IfevalPrompts() {}

    /** The bundled benchmark (541 prompts). */
    public static List<IfevalPrompt> bundled() {
        try (InputStream in = IfevalPrompts.class.getResourceAsStream(BUNDLED)) {
            if (in == null) throw new IllegalStateException("resource " + BUNDLED + " is missing from the eval jar");
            return read(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), "classpath:" + BUNDLED);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + BUNDLED, e);
        }
    }

    /** Reads prompts from a JSONL file in IFEval's input format. */
    public static List<IfevalPrompt> read(Path file) {
        // JsonLines reads line by line: a missing file, a directory or bad UTF-8 is named with its line (exit 2).
        return prompts(JsonLines.read(file, "IFEval prompts, one JSON object per line"), file.toString());
    }

    private static List<IfevalPrompt> read(BufferedReader in, String source) throws IOException {
        return prompts(JsonLines.read(in, source, "IFEval prompts, one JSON object per line"), source);
    }

    private static List<IfevalPrompt> prompts(List<JsonLines.Line> lines, String source) {
        List<IfevalPrompt> prompts = new ArrayList<>();
        Set<Integer> keys = new HashSet<>();
        for (JsonLines.Line line : lines) {
            String where = line.where();
            JsonNode row = line.node();
            int key = requireInt(row, "key", where);
            where = where + " (key " + key + ")";
            String prompt = requireText(row, "prompt", where);
            JsonNode ids = row.get("instruction_id_list");
            JsonNode kwargs = row.get("kwargs");
            if (ids == null || !ids.isArray() || kwargs == null || !kwargs.isArray() || ids.size() != kwargs.size()) {
                throw new UserInputException(where + ": expected arrays 'instruction_id_list' and 'kwargs' of equal length, found "
                        + ids + " and " + kwargs);
            }
            if (!keys.add(key)) throw new UserInputException(where + ": key " + key + " appears twice");
            List<Instruction> instructions = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                String id = ids.get(i).asText();
                try {
                    instructions.add(build(id, kwargs.get(i)));
                } catch (IllegalArgumentException e) {
                    throw new UserInputException(where + ": instruction " + i + " '" + id + "': " + e.getMessage());
                }
            }
            if (instructions.isEmpty()) throw new UserInputException(where + ": 'instruction_id_list' is empty (expected at least one instruction)");
            prompts.add(new IfevalPrompt(key, prompt, instructions));
        }
        if (prompts.isEmpty()) throw new UserInputException(source + ": no prompts (expected IFEval JSONL lines)");
        return prompts;
    }

    /** The registry: instruction id and kwargs to a checker. */
    static Instruction build(String id, JsonNode kwargs) {
        if (kwargs == null || !kwargs.isObject()) throw new IllegalArgumentException("kwargs must be a JSON object, found " + kwargs);
        Kwargs k = new Kwargs(kwargs);
        Instruction instruction = switch (id) {
            case "keywords:existence" -> new Instruction.KeywordExistence(k.strings("keywords"));
            case "keywords:frequency" -> new Instruction.KeywordFrequency(k.text("keyword"), k.integer("frequency"), k.relation("relation"));
            case "keywords:forbidden_words" -> new Instruction.ForbiddenWords(k.strings("forbidden_words"));
            case "keywords:letter_frequency" -> new Instruction.LetterFrequency(k.text("letter"), k.integer("let_frequency"), k.relation("let_relation"));
            case "language:response_language" -> new Instruction.ResponseLanguage(k.text("language"));
            case "length_constraints:number_sentences" -> new Instruction.NumberOfSentences(k.integer("num_sentences"), k.relation("relation"));
            case "length_constraints:number_paragraphs" -> new Instruction.NumberOfParagraphs(k.integer("num_paragraphs"));
            case "length_constraints:number_words" -> new Instruction.NumberOfWords(k.integer("num_words"), k.relation("relation"));
            case "length_constraints:nth_paragraph_first_word" -> new Instruction.NthParagraphFirstWord(
                    k.integer("num_paragraphs"), k.integer("nth_paragraph"), k.text("first_word"));
            case "detectable_content:number_placeholders" -> new Instruction.NumberOfPlaceholders(k.integer("num_placeholders"));
            case "detectable_content:postscript" -> new Instruction.Postscript(k.text("postscript_marker"));
            case "detectable_format:number_bullet_lists" -> new Instruction.NumberOfBullets(k.integer("num_bullets"));
            case "detectable_format:constrained_response" -> new Instruction.ConstrainedResponse();
            case "detectable_format:number_highlighted_sections" -> new Instruction.NumberOfHighlights(k.integer("num_highlights"));
            case "detectable_format:multiple_sections" -> new Instruction.MultipleSections(k.text("section_spliter"), k.integer("num_sections"));
            case "detectable_format:json_format" -> new Instruction.JsonFormat();
            case "detectable_format:title" -> new Instruction.Title();
            case "combination:two_responses" -> new Instruction.TwoResponses();
            case "combination:repeat_prompt" -> new Instruction.RepeatPrompt(k.text("prompt_to_repeat"));
            case "startend:end_checker" -> new Instruction.EndChecker(k.text("end_phrase"));
            case "startend:quotation" -> new Instruction.Quotation();
            case "change_case:capital_word_frequency" -> new Instruction.CapitalWordFrequency(
                    k.integer("capital_frequency"), k.relation("capital_relation"));
            case "change_case:english_capital" -> new Instruction.EnglishCapital();
            case "change_case:english_lowercase" -> new Instruction.EnglishLowercase();
            case "punctuation:no_comma" -> new Instruction.NoComma();
            default -> throw new IllegalArgumentException("unknown instruction id (expected one of IFEval's 25, e.g. 'keywords:existence')");
        };
        k.requireAllUsed();
        return instruction;
    }

    /** Typed access to one instruction's kwargs; null values count as absent, as the reference's defaults do. */
    private static final class Kwargs {
        private final JsonNode node;
        private final Set<String> used = new HashSet<>();

        Kwargs(JsonNode node) {
            this.node = node;
        }

        private JsonNode get(String name) {
            used.add(name);
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) throw new IllegalArgumentException("kwarg '" + name + "' is missing");
            return v;
        }

        String text(String name) {
            JsonNode v = get(name);
            if (!v.isTextual()) throw new IllegalArgumentException("kwarg '" + name + "' must be a string, found " + v);
            return v.asText();
        }

        int integer(String name) {
            JsonNode v = get(name);
            if (!v.isIntegralNumber()) throw new IllegalArgumentException("kwarg '" + name + "' must be an integer, found " + v);
            return v.asInt();
        }

        Relation relation(String name) {
            return Relation.parse(text(name));
        }

        List<String> strings(String name) {
            JsonNode v = get(name);
            if (!v.isArray()) throw new IllegalArgumentException("kwarg '" + name + "' must be a list of strings, found " + v);
            List<String> out = new ArrayList<>();
            for (JsonNode s : v) {
                if (!s.isTextual()) throw new IllegalArgumentException("kwarg '" + name + "' must be a list of strings, found " + v);
                out.add(s.asText());
            }
            return out;
        }

        void requireAllUsed() {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!used.contains(name) && !node.get(name).isNull()) {
                    throw new IllegalArgumentException("unexpected kwarg '" + name + "' (expected " + used + ")");
                }
            }
        }
    }

    private static int requireInt(JsonNode row, String field, String where) {
        JsonNode v = row.get(field);
        if (v == null || !v.isIntegralNumber()) throw new UserInputException(where + ": expected integer '" + field + "', found " + v);
        return v.asInt();
    }

    private static String requireText(JsonNode row, String field, String where) {
        JsonNode v = row.get(field);
        if (v == null || !v.isTextual()) throw new UserInputException(where + ": expected string '" + field + "', found " + v);
        return v.asText();
    }
}
