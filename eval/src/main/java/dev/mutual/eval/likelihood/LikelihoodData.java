package dev.mutual.eval.likelihood;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads likelihood datasets from JSON lines.
 * <ul>
 *   <li>Multiple choice: any JSONL whose lines have {@code "choices"} (a list of strings), the context in
 *       {@code "query"}, {@code "question"}, {@code "prompt"} or {@code "context"}, and the answer in
 *       {@code "gold"}, {@code "label"} or {@code "answer"} (a 0-based index, or the text of one choice).</li>
 *   <li>Held-out pairs: the prompt in {@code "instruction"} or {@code "prompt"}, the reference in
 *       {@code "response"} or {@code "output"} (e.g. {@code heldout/oasst1_en_validation/oasst1_en_val_pairs_rank0.jsonl}).</li>
 * </ul>
 * Ids come from {@code "id"}, else the 0-based line index.
 */
public final class LikelihoodData {
    private LikelihoodData() {}

    /** Whether the file's first non-blank line has {@code "choices"}: it is then a multiple-choice set. */
    public static boolean isMultipleChoice(Path file) {
        for (Row row : rows(file)) return row.json().has("choices");
        return false;
    }

    public static List<MultipleChoiceItem> readMultipleChoice(Path file) {
        List<MultipleChoiceItem> items = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Row row : rows(file)) {
            JsonNode j = row.json();
            String context = firstText(j, row.where(), "query", "question", "prompt", "context");
            JsonNode choicesNode = j.get("choices");
            if (choicesNode == null || !choicesNode.isArray()) {
                throw new UserInputException(row.where() + "expected \"choices\": a list of strings, found " + choicesNode);
            }
            List<String> choices = new ArrayList<>();
            for (JsonNode c : choicesNode) {
                if (!c.isTextual() || c.asText().isEmpty()) {
                    throw new UserInputException(row.where() + "expected every choice to be a non-empty string, found " + c);
                }
                choices.add(c.asText());
            }
            if (choices.size() < 2) throw new UserInputException(row.where() + "expected at least 2 choices, found " + choices.size());
            JsonNode goldNode = j.has("gold") ? j.get("gold") : j.has("label") ? j.get("label") : j.get("answer");
            int gold = -1;
            if (goldNode != null && goldNode.canConvertToInt() && goldNode.isIntegralNumber()) gold = goldNode.asInt();
            else if (goldNode != null && goldNode.isTextual()) gold = choices.indexOf(goldNode.asText());
            if (gold < 0 || gold >= choices.size()) {
                throw new UserInputException(row.where() + "expected \"gold\", \"label\" or \"answer\": an index 0.."
                        + (choices.size() - 1) + " or one of the choices, found " + goldNode);
            }
            String id = id(j, row.index(), row.where(), seen);
            items.add(new MultipleChoiceItem(id, context, choices, gold));
        }
        if (items.isEmpty()) throw new UserInputException(file + ": no items");
        return items;
    }

    public static List<HeldOutItem> readHeldOut(Path file) {
        List<HeldOutItem> items = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Row row : rows(file)) {
            JsonNode j = row.json();
            String prompt = firstText(j, row.where(), "instruction", "prompt");
            String response = firstText(j, row.where(), "response", "output");
            if (response.isEmpty()) throw new UserInputException(row.where() + "empty response (nothing to score)");
            items.add(new HeldOutItem(id(j, row.index(), row.where(), seen), prompt, response));
        }
        if (items.isEmpty()) throw new UserInputException(file + ": no items");
        return items;
    }

    private record Row(JsonNode json, int index, String where) {}

    private static List<Row> rows(Path file) {
        List<Row> rows = new ArrayList<>();
        for (JsonLines.Line line : JsonLines.read(file, "likelihood items, one JSON object per line")) {
            rows.add(new Row(line.node(), rows.size(), line.where() + ": "));
        }
        return rows;
    }

    private static String firstText(JsonNode j, String where, String... fields) {
        for (String f : fields) {
            if (j.hasNonNull(f)) {
                if (!j.get(f).isTextual()) throw new UserInputException(where + "expected \"" + f + "\" to be a string, found " + j.get(f));
                return j.get(f).asText();
            }
        }
        throw new UserInputException(where + "expected one of the fields " + String.join(", ", fields) + ", found " + fieldNames(j));
    }

    private static String id(JsonNode j, int index, String where, Map<String, Integer> seen) {
        String id = j.hasNonNull("id") ? j.get("id").asText() : Integer.toString(index);
        if (seen.put(id, index) != null) throw new UserInputException(where + "id '" + id + "' appears twice");
        return id;
    }

    private static List<String> fieldNames(JsonNode j) {
        List<String> names = new ArrayList<>();
        j.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
