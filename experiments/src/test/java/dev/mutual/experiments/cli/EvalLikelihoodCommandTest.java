package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.*;

class EvalLikelihoodCommandTest {
    /** The held-out OASST1 pairs in ../shared/data; the calling test is skipped without them. */
    private static String pairs() {
        return assumeShared("heldout/oasst1_en_validation/oasst1_en_val_pairs_rank0.jsonl").toString();
    }

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = MutualCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void heldOutRequestsThenScores(@TempDir Path tmp) throws Exception {
        Path req = tmp.resolve("req.jsonl");
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertEquals(0, run(out, err, "eval", "likelihood", "--data", pairs(), "--write-requests", req.toString()), err.toString());
        List<String> lines = Files.readAllLines(req);
        assertEquals(418, lines.size());

        // score each response as -0.5 nats per UTF-8 byte over one token per 4 bytes (rounded up): then
        // bits_per_byte = 0.5 / ln 2 whatever the data, and perplexity = exp(0.5 * bytes / tokens) over the corpus
        ObjectMapper json = new ObjectMapper();
        StringBuilder scores = new StringBuilder();
        long bytes = 0, tokens = 0;
        for (String line : lines) {
            JsonNode j = json.readTree(line);
            int b = j.get("continuation").asText().getBytes(StandardCharsets.UTF_8).length;
            int t = (b + 3) / 4;
            bytes += b;
            tokens += t;
            scores.append("{\"request\":").append(j.get("request").asInt()).append(",\"logprob\":").append(-0.5 * b)
                    .append(",\"tokens\":").append(t).append("}\n");
        }
        Path s = tmp.resolve("scores.jsonl");
        Files.writeString(s, scores);
        Path dir = tmp.resolve("eval");
        assertEquals(0, run(out, err, "eval", "likelihood", "--data", pairs(), "--scores", s.toString(), "--output", dir.toString(),
                "--model-name", "bytes-model"), err.toString());
        EvalResult r = EvalResultFiles.readResult(dir);
        assertEquals("oasst1_en_val_pairs_rank0", r.benchmark());
        assertEquals(418, r.n());
        assertEquals(0.5 / Math.log(2), r.metrics().get("bits_per_byte"), 1e-9);
        assertEquals(Math.exp(0.5 * bytes / tokens), r.metrics().get("perplexity"), 1e-9);
        assertEquals(418, EvalResultFiles.readSamples(dir).size());
    }

    @Test
    void scoresMustAnswerEveryRequest(@TempDir Path tmp) throws Exception {
        Path s = tmp.resolve("scores.jsonl");
        Files.writeString(s, "{\"request\":0,\"logprob\":-1,\"tokens\":1}\n");
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertEquals(MutualCli.EXIT_BAD_INPUT, run(out, err, "eval", "likelihood", "--data", pairs(), "--scores", s.toString(),
                "--output", tmp.resolve("eval").toString()));
        assertTrue(err.toString().contains("request 1 (item '"), err.toString());
        assertFalse(Files.exists(tmp.resolve("eval")));
    }
}
