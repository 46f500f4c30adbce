package dev.mutual.experiments.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;
import dev.mutual.data.tokenizer.TextTokenizer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * {@code mutual bench tokenize}: encode throughput of a tokenizer on the texts of a JSONL file. The texts are
 * read first, encoded once to warm up, then encoded again under the clock.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Tokens per second of a tokenizer (HF folder / tokenizer.json[.gz] or llama2.c .bin) on JSONL texts.")
final class BenchTokenizeCommand implements Runnable {
    @Option(names = "--tokenizer", required = true, description = "tokenizer folder, tokenizer.json[.gz] or llama2.c .bin")
    Path tokenizer;

    @Option(names = "--input", required = true, description = "JSONL or JSONL.gz file, one object per line")
    Path input;

    @Option(names = "--field", defaultValue = "text", description = "JSON field holding the text (default: ${DEFAULT-VALUE})")
    String field;

    @Option(names = "--limit", defaultValue = "0", description = "read at most this many texts; 0 = all (default)")
    @Range(min = 0)
    int limit;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        List<String> texts = readTexts(input, field, limit);
        PrintWriter out = spec.commandLine().getOut();
        try (TextTokenizer tok = TextTokenizer.load(tokenizer)) {
            long chars = 0;
            for (String t : texts) {
                chars += t.length();
                tok.encode(t, false); // warm-up pass: JIT and native caches
            }
            long tokens = 0;
            long start = System.nanoTime();
            long lastReport = start;
            for (int i = 0; i < texts.size(); i++) {
                tokens += tok.encode(texts.get(i), false).length;
                long now = System.nanoTime();
                if (now - lastReport > 2_000_000_000L) { // progress every 2 s: done/total, rate, ETA
                    double secs = (now - start) / 1e9;
                    spec.commandLine().getErr().printf("  %d/%d texts, %.0f tokens/s, ETA %.0f s%n", i + 1,
                            texts.size(), tokens / secs, secs / (i + 1) * (texts.size() - i - 1));
                    lastReport = now;
                }
            }
            double secs = Math.max((System.nanoTime() - start) / 1e9, 1e-9);
            out.printf("tokenizer %s%ninput %s%ntexts %d%nchars %d%ntokens %d%nchars/token %.2f%n"
                            + "seconds %.3f%ntokens/s %.0f%ntexts/s %.0f%n",
                    tokenizer, input, texts.size(), chars, tokens, tokens == 0 ? 0.0 : (double) chars / tokens,
                    secs, tokens / secs, texts.size() / secs);
            out.flush();
        }
    }

    static List<String> readTexts(Path file, String field, int limit) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(file + ": input file not found");
        }
        ObjectMapper mapper = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            int lineNo = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = mapper.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new UserInputException(file + " line " + lineNo + ": not valid JSON (" + e.getOriginalMessage() + ")");
                }
                if (!node.path(field).isTextual()) {
                    throw new UserInputException(file + " line " + lineNo + ": expected a string field \"" + field
                            + "\", found " + (node.has(field) ? node.get(field).getNodeType() : "none"));
                }
                texts.add(node.get(field).asText());
                if (limit > 0 && texts.size() == limit) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        return texts;
    }
}
