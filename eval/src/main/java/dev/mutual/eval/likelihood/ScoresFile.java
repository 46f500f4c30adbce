package dev.mutual.eval.likelihood;

import dev.mutual.data.AtomicFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Likelihood requests and scores exchanged with a model run elsewhere. The requests file has one JSON line per
 * request: {"request": k, "id": item id, "choice": j (multiple choice only), "context", "continuation"}. The
 * scores file answers each request once: {"request": k, "logprob": sum of natural-log token probabilities of the
 * continuation, "tokens": continuation token count, "greedy": optional boolean}; an "id" there, if present,
 * must match the request's.
 */
public final class ScoresFile {
    private ScoresFile() {}

    /** One labelled request: {@code choice} is -1 for a held-out response. */
    public record LabelledRequest(String id, int choice, ScoringRequest request) {}

    public static List<LabelledRequest> requests(List<MultipleChoiceItem> items) {
        List<LabelledRequest> out = new ArrayList<>();
        for (MultipleChoiceItem item : items) {
            for (int c = 0; c < item.choices().size(); c++) out.add(new LabelledRequest(item.id(), c, item.request(c)));
        }
        return out;
    }

    public static List<LabelledRequest> heldOutRequests(List<HeldOutItem> items) {
        return items.stream().map(i -> new LabelledRequest(i.id(), -1, i.request())).toList();
    }

    public static void writeRequests(List<LabelledRequest> requests, Path file) {
        ObjectMapper json = new ObjectMapper();
        StringBuilder out = new StringBuilder();
        try {
            for (int k = 0; k < requests.size(); k++) {
                LabelledRequest r = requests.get(k);
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("request", k);
                line.put("id", r.id());
                if (r.choice() >= 0) line.put("choice", r.choice());
                line.put("context", r.request().context());
                line.put("continuation", r.request().continuation());
                out.append(json.writeValueAsString(line)).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AtomicFile.writeString(file, out.toString());
    }

    /** The scores of {@code requests}, in request order; every request must be answered exactly once. */
    public static List<ContinuationScore> read(Path file, List<LabelledRequest> requests) {
        ContinuationScore[] scores = new ContinuationScore[requests.size()];
        int[] lineOf = new int[requests.size()];
        Arrays.fill(lineOf, -1);
        for (JsonLines.Line line : JsonLines.read(file, "scores, {\"request\", \"logprob\", \"tokens\"} per line")) {
            String where = line.where() + ": ";
            JsonNode j = line.node();
            JsonNode k = j.get("request");
            if (k == null || !k.isIntegralNumber() || k.asInt() < 0 || k.asInt() >= requests.size()) {
                throw new UserInputException(where + "expected \"request\" between 0 and " + (requests.size() - 1) + ", found " + k);
            }
            int r = k.asInt();
            if (lineOf[r] >= 0) throw new UserInputException(where + "request " + r + " already scored on line " + lineOf[r]);
            if (j.hasNonNull("id") && !j.get("id").asText().equals(requests.get(r).id())) {
                throw new UserInputException(where + "request " + r + " is item '" + requests.get(r).id() + "', found id '"
                        + j.get("id").asText() + "' (scores from another data file?)");
            }
            JsonNode lp = j.get("logprob"), t = j.get("tokens");
            if (lp == null || !lp.isNumber() || !Double.isFinite(lp.asDouble()) || lp.asDouble() > 1e-4) {
                throw new UserInputException(where + "expected \"logprob\": a finite number <= 0, found " + lp);
            }
            if (t == null || !t.isIntegralNumber() || t.asInt() < 1) {
                throw new UserInputException(where + "expected \"tokens\": an integer >= 1, found " + t);
            }
            scores[r] = new ContinuationScore(lp.asDouble(), t.asInt(), j.path("greedy").asBoolean(false));
            lineOf[r] = line.number();
        }
        for (int r = 0; r < scores.length; r++) {
            if (scores[r] == null) {
                throw new UserInputException(file + ": request " + r + " (item '" + requests.get(r).id() + "') has no score; "
                        + "expected one line per request of the requests file (" + requests.size() + ")");
            }
        }
        return List.of(scores);
    }
}
