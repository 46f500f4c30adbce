package dev.mutual.experiments.cli;

import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.*;

class EvalReasoningCommandTest {
    private static String sqa() {
        return assumeShared("strategyqa/test.jsonl").toString();
    }

    private static String gsm() {
        return assumeShared("gsm8k/test.jsonl").toString();
    }

    @Test
    void strategyqaWritesPromptsThenScoresResponses(@TempDir Path tmp) throws Exception {
        Path prompts = tmp.resolve("prompts.jsonl");
        CliRun w = CliRun.of("eval", "strategyqa", "--data", sqa(), "--num-fewshot", "2", "--write-prompts", prompts.toString());
        assertEquals(0, w.code(), w.err());
        assertEquals(2288, Files.readAllLines(prompts).size(), "2,290 items minus the 2 used as exemplars");

        // ids 0 (true), 1 (false), 2 (false): "yes" everywhere is right once
        Path responses = tmp.resolve("responses.jsonl");
        Files.writeString(responses, """
                {"id": 0, "response": "Frost is common in December. So the answer is yes."}
                {"id": 1, "response": "So the answer is yes."}
                {"index": 2, "response": "Pears are dense. So the answer is yes."}
                """);
        Path out = tmp.resolve("eval");
        CliRun r = CliRun.of("eval", "strategyqa", "--data", sqa(), "--num-fewshot", "2", "--responses", responses.toString(),
                "--output", out.toString(), "--model-name", "m1", "--data-strategy", "seed-only");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("exact_match_strict-match        33.33%"), r.out());
        assertTrue(r.err().contains("2285 of 2290 items have no response"), r.err());
        EvalResult result = EvalResultFiles.readResult(out);
        assertEquals(3, result.n());
        assertEquals("m1", result.run().model());
        assertEquals("seed-only", result.run().dataStrategy());
        assertEquals(3, EvalResultFiles.readSamples(out).size());
    }

    @Test
    void gsm8kRejectsTooManyShotsAndMissingOutput(@TempDir Path tmp) throws Exception {
        CliRun r = CliRun.of("eval", "gsm8k", "--data", gsm(), "--num-fewshot", "9", "--write-prompts", tmp.resolve("p").toString());
        assertEquals(MutualCli.EXIT_BAD_INPUT, r.code());
        assertTrue(r.err().contains("between 0 and 8"), r.err());
        Path responses = tmp.resolve("r.jsonl");
        Files.writeString(responses, "{\"id\": \"0\", \"response\": \"The answer is 18.\"}\n");
        CliRun noOut = CliRun.of("eval", "gsm8k", "--data", gsm(), "--responses", responses.toString());
        assertEquals(MutualCli.EXIT_BAD_INPUT, noOut.code());
        assertTrue(noOut.err().contains("--output DIR is required"), noOut.err());
        CliRun both = CliRun.of("eval", "gsm8k", "--responses", "a", "--write-prompts", "b");
        assertEquals(MutualCli.EXIT_BAD_INPUT, both.code(), "the two modes are mutually exclusive");
        assertEquals(List.of(), List.of(tmp.toFile().list()).stream().filter(f -> !f.equals("r.jsonl")).toList());
    }
}
