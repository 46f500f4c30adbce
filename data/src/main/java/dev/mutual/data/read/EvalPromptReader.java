package dev.mutual.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.UserInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the prompt text of an evaluation set file, for decontamination. The layout is told by the first
 * record's keys:
 * <ul>
 *   <li>{@code prompt}: IFEval ({@code key, prompt, ...}) and prompt/response files;</li>
 *   <li>{@code instruction, instances}: Self-Instruct user-oriented; instruction + first instance input, merged as
 *       AlpacaEval's "selfinstruct" subset does;</li>
 *   <li>{@code instruction}: AlpacaEval prompts and model outputs;</li>
 *   <li>{@code turns}: MT-Bench and Vicuna bench, one prompt per turn ({@code question_id/turnN});</li>
 *   <li>{@code question}: GSM8K, StrategyQA;</li>
 *   <li>{@code messages} / {@code conversations}: every user turn.</li>
 * </ul>
 * A malformed record always stops: an eval set read in part would let contamination through unseen.
 */
public final class EvalPromptReader {
    private static final String LAYOUTS = "prompt (IFEval), instruction + instances (Self-Instruct), instruction "
            + "(AlpacaEval), turns (MT-Bench, Vicuna), question (GSM8K, StrategyQA), messages, conversations";

    private EvalPromptReader() {
    }

    /** The eval set's default name: the name of the folder holding the file (ifeval/input_data.jsonl: "ifeval"). */
    public static String defaultName(Path file) {
        Path parent = file.toAbsolutePath().normalize().getParent();
        return parent == null || parent.getFileName() == null ? DataReader.stem(file) : parent.getFileName().toString();
    }

    public static List<EvalPrompt> read(Path file, String evalSet) {
        if (!Files.isRegularFile(file)) throw new UserInputException(file + ": no such eval set file");
        List<EvalPrompt> prompts = new ArrayList<>();
        JsonRecords.forEach(file, new JsonRecords.Visitor() {
            @Override
            public boolean record(long line, JsonNode r) throws InvalidRecordException {
                String id = idOf(r, line);
                if (r.has("prompt")) {
                    prompts.add(new EvalPrompt(evalSet, id, RecordParser.text(r, "prompt")));
                } else if (r.has("instruction") && r.has("instances")) {
                    String instruction = RecordParser.text(r, "instruction");
                    JsonNode first = r.get("instances").path(0);
                    String input = first.isObject() ? RecordParser.optional(first, "input") : "";
                    prompts.add(new EvalPrompt(evalSet, id, input.isBlank() ? instruction : instruction + "\n\n" + input));
                } else if (r.has("instruction")) {
                    prompts.add(new EvalPrompt(evalSet, id, RecordParser.text(r, "instruction")));
                } else if (r.has("turns")) {
                    JsonNode turns = r.get("turns");
                    if (!turns.isArray() || turns.isEmpty()) {
                        throw new InvalidRecordException("field 'turns' is not a list", "expected a non-empty list of strings, found " + RecordParser.kind(turns));
                    }
                    for (int t = 0; t < turns.size(); t++) {
                        if (!turns.get(t).isTextual()) throw new InvalidRecordException("bad 'turns' entry", "expected a string, found " + RecordParser.kind(turns.get(t)));
                        prompts.add(new EvalPrompt(evalSet, id + "/turn" + (t + 1), turns.get(t).asText()));
                    }
                } else if (r.has("question")) {
                    prompts.add(new EvalPrompt(evalSet, id, RecordParser.text(r, "question")));
                } else if (r.has("messages") || r.has("conversations")) {
                    JsonNode list = r.has("messages") ? r.get("messages") : r.get("conversations");
                    int t = 0;
                    for (JsonNode m : list) {
                        String role = m.has("role") ? m.path("role").asText() : m.path("from").asText();
                        String text = m.has("content") ? m.path("content").asText() : m.path("value").asText();
                        if ((role.equals("user") || role.equals("human")) && !text.isBlank()) {
                            prompts.add(new EvalPrompt(evalSet, id + "/turn" + (++t), text));
                        }
                    }
                } else {
                    throw new InvalidRecordException("no prompt field", "expected one of: " + LAYOUTS + "; found keys " + Format.keysOf(r));
                }
                return true;
            }

            @Override
            public void invalid(long line, InvalidRecordException problem) {
                throw new UserInputException(JsonRecords.where(file, line) + ": " + problem.getMessage() + " [eval set '" + evalSet + "']");
            }
        });
        if (prompts.isEmpty()) throw new UserInputException(file + ": eval set '" + evalSet + "' has no prompts (expected records with " + LAYOUTS + ")");
        return prompts;
    }

    private static String idOf(JsonNode r, long line) {
        for (String key : new String[] {"key", "question_id", "id"}) {
            JsonNode v = r.get(key);
            if (v != null && (v.isTextual() || v.isNumber())) return v.asText();
        }
        return "line" + line;
    }
}
