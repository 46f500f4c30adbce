package dev.mutual.experiments.cli;

import dev.mutual.data.tokenizer.Llama2cTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchTokenizeCommandTest {
    static final Path TOK512 = Path.of("../samples/tok512.bin");

    private static String[] run(String... args) {
        CommandLine cli = MutualCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void countsTheTokensOfTheFirstTexts() {
        Path c4 = assumeShared("unlabelled/c4_demo/c4_demo.jsonl");
        String[] r = run("bench", "tokenize", "--tokenizer", TOK512.toString(), "--input", c4.toString(), "--limit", "20");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("\ntexts 20\n"), r[1]);
        List<String> texts = BenchTokenizeCommand.readTexts(c4, "text", 20);
        Llama2cTokenizer tok = Llama2cTokenizer.load(TOK512);
        long tokens = 0;
        for (String t : texts) {
            tokens += tok.encode(t, false).length;
        }
        assertTrue(r[1].contains("\ntokens " + tokens + "\n"), r[1]);
    }

    @Test
    void aBadLineIsReportedWithFileAndLine(@TempDir Path dir) throws IOException {
        Path input = dir.resolve("texts.jsonl");
        Files.writeString(input, "{\"text\": \"fine\"}\n{\"prompt\": \"no text\"}\n");
        String[] r = run("bench", "tokenize", "--tokenizer", TOK512.toString(), "--input", input.toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains(input + " line 2: expected a string field \"text\", found none"), r[2]);
    }
}
