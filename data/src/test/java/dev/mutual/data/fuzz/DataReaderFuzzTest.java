package dev.mutual.data.fuzz;

import dev.mutual.data.Example;
import dev.mutual.data.read.DataReader;
import dev.mutual.data.read.EvalPromptReader;
import dev.mutual.data.read.Format;
import dev.mutual.data.read.ReadResult;
import dev.mutual.data.read.TextDocuments;
import dev.mutual.testing.fuzz.FuzzCase;
import dev.mutual.testing.fuzz.Fuzzer;
import dev.mutual.testing.fuzz.Seed;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the data readers with mutations of every format they read (see {@link Fuzzer} for the rules and how to
 * replay a case): {@link DataReader} (Dolly, Alpaca, ShareGPT, OpenAI messages, OASST trees, responses, .txt, a JSON
 * array, data prepare's output, each also gzipped), {@link TextDocuments} and {@link EvalPromptReader}.
 */
class DataReaderFuzzTest {
    private static final Format[] FORMATS = Format.values();

    @Test
    void dataReaderFailsCleanOnMutatedFiles() {
        List<Seed> seeds = List.of(DataSeeds.dollyJsonl(), DataSeeds.responses(), DataSeeds.oasstTrees(), DataSeeds.dollyArray(),
                DataSeeds.derived("alpaca.jsonl", DataSeeds::alpaca), DataSeeds.derived("sharegpt.jsonl", DataSeeds::sharegpt),
                DataSeeds.derived("openai.jsonl", DataSeeds::openai), DataSeeds.text(), DataSeeds.prepared());
        Fuzzer.Report report = Fuzzer.run("data-reader", seeds, 2500, (c, dir) -> {
            Path file = writeMaybeGzipped(c, dir);
            // Options from the case's generator (the seeds as they are: defaults): the detected format mostly,
            // sometimes a named (possibly wrong) one, a limit, skipping invalid records, unlabelled.
            DataReader.Options options = c.unmutated() ? DataReader.Options.defaults() : new DataReader.Options(
                    c.random().nextInt(4) == 0 ? FORMATS[c.random().nextInt(FORMATS.length)] : null,
                    c.random().nextBoolean(), c.random().nextInt(6) == 0 ? c.random().nextInt(5) : null, c.random().nextInt(4) == 0);
            ReadResult r = DataReader.read(file, options);
            for (Example e : r.examples()) e.fullInstruction();
        });
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    @Test
    void textDocumentsFailCleanOnMutatedFiles() {
        List<Seed> seeds = List.of(DataSeeds.text(), DataSeeds.derived("docs.jsonl", d -> DataSeeds.textRecord(d.path("response").asText())));
        Fuzzer.Report report = Fuzzer.run("text-documents", seeds, 1500, (c, dir) -> {
            Path file = writeMaybeGzipped(c, dir);
            TextDocuments.forEach(file, d -> d.text().length() >= 0);
        });
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    @Test
    void evalPromptReaderFailsCleanOnMutatedFiles() {
        List<Seed> seeds = List.of(DataSeeds.ifeval(), DataSeeds.dollyJsonl(),
                DataSeeds.derived("mt_bench.jsonl", DataSeeds::mtBench), DataSeeds.derived("gsm8k.jsonl", DataSeeds::question),
                DataSeeds.derived("chats.jsonl", DataSeeds::openai), DataSeeds.derived("sharegpt.jsonl", DataSeeds::sharegpt));
        Fuzzer.Report report = Fuzzer.run("eval-prompts", seeds, 3000,
                (c, dir) -> EvalPromptReader.read(c.write(dir), "fuzz"));
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    /** The case's bytes, one time in five gzipped (and then sometimes cut or flipped, as a damaged download is). */
    static Path writeMaybeGzipped(FuzzCase c, Path dir) throws IOException {
        if (c.unmutated() || c.random().nextInt(5) != 0) return c.write(dir);
        Path file = dir.resolve(c.origin().name() + ".gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(c.bytes());
        }
        if (c.random().nextInt(3) == 0) {
            byte[] gz = Files.readAllBytes(file);
            if (c.random().nextBoolean()) gz = Arrays.copyOf(gz, c.random().nextInt(gz.length));
            else gz[c.random().nextInt(gz.length)] ^= (byte) (1 << c.random().nextInt(8));
            Files.write(file, gz);
        }
        return file;
    }
}
