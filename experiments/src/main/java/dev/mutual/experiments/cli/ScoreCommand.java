package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.InputFiles;
import dev.mutual.data.Progress;
import dev.mutual.data.UserInputException;
import dev.mutual.data.Utf8LineReader;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.trainer.inference.Scorer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code mutual score}: log p(target | prompt) for each JSONL line. A line is {@code {"prompt": TEXT, "target": TEXT}}
 * or {@code {"prompt_ids": [...], "target_ids": [...]}}; other fields are copied to the output line, which adds
 * {@code sum_logprob}, {@code mean_logprob}, {@code token_logprobs} (natural log, one per target token) and
 * {@code num_tokens}. Text is split as lm-evaluation-harness does: target ids = encode(prompt + target) after the
 * ids of encode(prompt), so the boundary token is the one the model would see. An empty prompt scores the target
 * after BOS alone (log p(target), for pointwise mutual information).
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score {\"prompt\",\"target\"} (or {\"prompt_ids\",\"target_ids\"}) JSONL lines: sum/mean/per-token log-probs.")
final class ScoreCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ScoreCommand.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--input", required = true, paramLabel = "FILE.jsonl", description = "Pairs to score, one JSON object per line.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "FILE.jsonl", description = "Scores, one line per input line (written atomically).")
    Path output;

    @Option(names = "--batch-size", defaultValue = "8", description = "Sequences per forward pass (default: ${DEFAULT-VALUE}); results do not depend on it.")
    @Range(min = 1)
    int batchSize;

    @Override
    public Integer call() {
        InputFiles.requireFile(input, "--input " + input);
        InputFiles.requireOutputFile(output, "--output " + output);
        List<String> lines = new ArrayList<>();
        try (Utf8LineReader in = new Utf8LineReader(Files.newInputStream(input), input.toString())) {
            for (String line = in.readLine(); line != null; line = in.readLine()) lines.add(line);
        } catch (IOException e) {
            UserInputException bad = InputFiles.readFailure(input, "--input " + input, e);
            if (bad != null) throw bad;
            throw new UncheckedIOException("cannot read " + input, e);
        }
        try (ModelOptions.Loaded m = modelOptions.load(false)) {
            List<ObjectNode> rows = new ArrayList<>();
            List<Scorer.Request> requests = new ArrayList<>();
            List<Integer> lineOf = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) continue;
                lineOf.add(i + 1);
                ObjectNode row = parse(lines.get(i), i + 1);
                rows.add(row);
                Scorer.Request req = request(row, i + 1, m);
                if (req.length() > m.weights().config().maxPositions()) {
                    throw new UserInputException(input + " line " + (i + 1) + ": prompt + target is " + req.length()
                            + " tokens, over the model's max_position_embeddings " + m.weights().config().maxPositions());
                }
                requests.add(req);
            }
            long total = 0;
            for (Scorer.Request r : requests) total += r.length();
            log.info("scoring {} pairs ({} tokens) from {}", requests.size(), total, input);
            Progress progress = new Progress(log, "score", requests.size(), "pairs", 2000);
            List<Scorer.Score> scores;
            try {
                scores = new Scorer(m.decoder(), batchSize).score(requests, progress::update);
            } catch (Scorer.NonFiniteScoreException e) {
                throw new UserInputException("--model " + modelOptions.model + ": " + input + " line " + lineOf.get(e.request()) + ", "
                        + e.getMessage() + "; nothing written to " + output, e);
            }
            progress.finish();
            for (int i = 0; i < rows.size(); i++) {
                Scorer.Score s = scores.get(i);
                ObjectNode row = rows.get(i);
                row.put("sum_logprob", s.sumLogprob());
                row.put("mean_logprob", s.meanLogprob());
                var arr = row.putArray("token_logprobs");
                for (double v : s.tokenLogprobs()) arr.add(v);
                row.put("num_tokens", s.tokenLogprobs().length);
            }
            write(rows);
            log.info("wrote {} scores to {} ({} tokens/s)", rows.size(), output, String.format("%.0f", total / progress.seconds()));
        }
        return 0;
    }

    private ObjectNode parse(String line, int lineNo) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (IOException e) {
            throw new UserInputException(input + " line " + lineNo + ": not valid JSON (" + e.getMessage().split("\n")[0] + ")");
        }
        if (!(node instanceof ObjectNode o)) throw new UserInputException(input + " line " + lineNo + ": expected a JSON object, found " + node.getNodeType());
        return o;
    }

    private Scorer.Request request(ObjectNode row, int lineNo, ModelOptions.Loaded m) {
        String where = input + " line " + lineNo;
        int vocab = m.weights().config().vocabSize();
        if (row.has("prompt_ids") || row.has("target_ids")) {
            int[] prompt = ids(row.get("prompt_ids"), where, "prompt_ids", vocab);
            int[] target = ids(row.get("target_ids"), where, "target_ids", vocab);
            if (prompt.length == 0) prompt = new int[] {startToken(m, where)};
            if (target.length == 0) throw new UserInputException(where + ": 'target_ids' is empty; expected at least one id");
            return new Scorer.Request(prompt, target);
        }
        JsonNode p = row.get("prompt"), t = row.get("target");
        if (p == null || !p.isTextual() || t == null || !t.isTextual()) {
            throw new UserInputException(where + ": expected string fields 'prompt' and 'target' (or id arrays 'prompt_ids' and "
                    + "'target_ids'), found keys " + fieldNames(row));
        }
        if (t.asText().isEmpty()) throw new UserInputException(where + ": 'target' is empty");
        TextTokenizer tok = m.requireTokenizer("text lines");
        int[] prompt = tok.encode(p.asText(), true);
        int[] whole = tok.encode(p.asText() + t.asText(), true);
        int[] target;
        if (whole.length > prompt.length && Arrays.equals(prompt, Arrays.copyOf(whole, prompt.length))) {
            target = Arrays.copyOfRange(whole, prompt.length, whole.length);
        } else {
            target = tok.encode(t.asText(), false); // the boundary merged across prompt and target: encode apart
        }
        if (prompt.length == 0) prompt = new int[] {startToken(m, where)};
        for (int id : prompt) checkId(id, vocab, where, "prompt");
        for (int id : target) checkId(id, vocab, where, "target");
        return new Scorer.Request(prompt, target);
    }

    /** BOS, or EOS for tokenizers without BOS (Qwen2), as lm-evaluation-harness's prefix token. */
    private static int startToken(ModelOptions.Loaded m, String where) {
        if (m.tokenizer() != null && m.tokenizer().bosId().isPresent()) return m.tokenizer().bosId().getAsInt();
        if (m.weights().config().bosTokenId() >= 0) return m.weights().config().bosTokenId();
        if (!m.eosTokenIds().isEmpty()) return m.eosTokenIds().get(0);
        throw new UserInputException(where + ": empty prompt, and the model has neither a BOS nor an EOS id to start from");
    }

    private static int[] ids(JsonNode node, String where, String key, int vocab) {
        if (node == null || !node.isArray()) throw new UserInputException(where + ": '" + key + "' must be an array of token ids, found " + node);
        int[] out = new int[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new UserInputException(where + ": '" + key + "'[" + i + "] must be an integer, found " + v);
            out[i] = v.intValue();
            checkId(out[i], vocab, where, key);
        }
        return out;
    }

    private static void checkId(int id, int vocab, String where, String key) {
        if (id < 0 || id >= vocab) throw new UserInputException(where + ": " + key + " id " + id + " is outside the vocabulary 0.." + (vocab - 1));
    }

    private static List<String> fieldNames(JsonNode row) {
        List<String> names = new ArrayList<>();
        row.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private void write(List<ObjectNode> rows) {
        AtomicFile.write(output, w -> {
            for (ObjectNode row : rows) {
                w.write(JSON.writeValueAsString(row));
                w.write('\n');
            }
        });
    }
}
