package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.JsonLines;
import dev.mutual.experiments.recipe.CandidateChoice;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One candidate pair as the select, curate and mix stages read it: a line of a synthesize stage's
 * {@code candidates.jsonl} or of a score_pairs stage's {@code scores.jsonl} (then with its scores), with its
 * provenance. The line's JSON is kept whole, so what a stage writes about a candidate carries every field it read.
 *
 * @param line        the JSON line, with its file and line number for errors
 * @param id          {@code <source_id>#r<round>c<candidate>}
 * @param sourceId    the pool item's id
 * @param candidate   0-based index among the candidates written for the item
 * @param instruction the candidate instruction x̂ ("" when the reverse model wrote nothing)
 * @param response    the pool response y'
 * @param scores      the pair's scores, or null when it could not be scored (or the file holds none)
 * @param best        the score_pairs stage's pick among the candidates of its source
 */
record CandidateLine(JsonLines.Line line, String id, String sourceId, int candidate, String instruction, String response,
                     Scores scores, boolean best) {

    /** The four scores a score_pairs stage computes with MainMethod (higher PMI is better, lower ifd is better). */
    record Scores(double forwardPmi, double reversePmi, double mutual, double ifd) {}

    static final List<String> SCORE_FIELDS = List.of("forward_pmi", "reverse_pmi", "mutual", "ifd");

    /**
     * Reads a candidates or scores file. In a scores file every line is either {@code scorable: false} (its scores
     * null) or carries all four finite scores.
     *
     * @param scored whether the file is a scores.jsonl
     */
    static List<CandidateLine> read(Path file, boolean scored) {
        String expected = scored ? "scored candidates (a score_pairs stage's scores.jsonl)" : "candidates (a synthesize stage's candidates.jsonl)";
        List<CandidateLine> out = new ArrayList<>();
        for (JsonLines.Line l : JsonLines.read(file, expected)) {
            JsonNode n = l.node();
            JsonNode instruction = n.get("instruction");
            if (instruction != null && !instruction.isNull() && !instruction.isTextual()) {
                throw l.error("expected a string field \"instruction\", found " + instruction);
            }
            Scores scores = null;
            if (scored && n.path("scorable").asBoolean(true)) {
                double[] s = new double[SCORE_FIELDS.size()];
                for (int i = 0; i < s.length; i++) {
                    JsonNode v = n.get(SCORE_FIELDS.get(i));
                    if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble())) {
                        throw l.error("expected a finite number field \"" + SCORE_FIELDS.get(i) + "\" (or \"scorable\": false), found " + v);
                    }
                    s[i] = v.asDouble();
                }
                scores = new Scores(s[0], s[1], s[2], s[3]);
            }
            out.add(new CandidateLine(l, l.text("id"), l.text("source_id"), l.integer("candidate"),
                    instruction == null || instruction.isNull() ? "" : instruction.asText(), l.text("response"), scores,
                    n.path("best").asBoolean(false)));
        }
        return out;
    }

    /** How many candidates each source has in {@code lines}. */
    static Map<String, Integer> candidatesPerSource(List<CandidateLine> lines) {
        Map<String, Integer> count = new HashMap<>();
        for (CandidateLine l : lines) count.merge(l.sourceId(), 1, Integer::sum);
        return count;
    }

    /** Null when {@code choice} admits this candidate, else why not ({@code siblings}: candidates of its source). */
    String notChosen(CandidateChoice choice, int siblings) {
        return switch (choice) {
            case ALL -> null;
            case FIRST -> candidate == 0 ? null : "not the first candidate (candidate " + candidate + " of " + siblings + ")";
            case BEST -> best ? null : "not the best of " + siblings + " candidates";
        };
    }

    /** A copy of the line's JSON, to add fields to. */
    ObjectNode json() {
        return ((ObjectNode) line.node()).deepCopy();
    }
}
