package dev.mutual.eval.reasoning;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.UserInputException;

/** How a benchmark's JSONL lines hold the question and the gold answer. */
public enum ReasoningDataset {
    /** GSM8K: {"question", "answer"} where the worked answer ends "#### N"; no ids, so the line index is the id. */
    GSM8K {
        @Override
        ReasoningItem parse(JsonNode row, int index, String where) {
            String answer = text(row, "answer", where);
            int at = answer.lastIndexOf("####");
            if (at < 0) {
                String tail = answer.length() <= 60 ? answer : "..." + answer.substring(answer.length() - 60);
                throw new UserInputException(where + "expected the answer to end with '#### N', found: " + tail);
            }
            return new ReasoningItem(Integer.toString(index), index, text(row, "question", where), answer.substring(at + 4).strip());
        }
    },
    /** StrategyQA: {"id", "question", "answer": true/false}; the target is "yes" or "no". */
    STRATEGYQA {
        @Override
        ReasoningItem parse(JsonNode row, int index, String where) {
            JsonNode answer = row.get("answer");
            if (answer == null || !answer.isBoolean()) {
                throw new UserInputException(where + "expected \"answer\": true or false, found " + answer);
            }
            JsonNode id = row.get("id");
            return new ReasoningItem(id == null || id.isNull() ? Integer.toString(index) : id.asText(), index,
                    text(row, "question", where), answer.booleanValue() ? "yes" : "no");
        }
    };

    /** The item of one JSON line; {@code where} ("file:line: ") prefixes error messages. */
    abstract ReasoningItem parse(JsonNode row, int index, String where);

    static String text(JsonNode row, String field, String where) {
        JsonNode v = row.get(field);
        if (v == null || !v.isTextual()) throw new UserInputException(where + "expected a string field \"" + field + "\", found " + v);
        return v.asText();
    }
}
