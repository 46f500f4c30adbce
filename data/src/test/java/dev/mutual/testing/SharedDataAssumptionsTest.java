package dev.mutual.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SharedDataAssumptionsTest {
    @Test
    void presentPathIsReturned(@TempDir Path data) throws IOException {
        Files.createDirectories(data.resolve("gsm8k"));
        Files.writeString(data.resolve("gsm8k/test.jsonl"), "{}\n");
        assertEquals(data.resolve("gsm8k/test.jsonl"), SharedDataAssumptions.check(data, "gsm8k/test.jsonl", false));
        assertEquals(data.resolve("gsm8k"), SharedDataAssumptions.check(data, "gsm8k", true));
    }

    @Test
    void missingPathSkipsWithTheReason(@TempDir Path data) {
        TestAbortedException e = assertThrows(TestAbortedException.class,
                () -> SharedDataAssumptions.check(data, "models/stories260K/stories260K.bin", false));
        assertEquals("skipped: needs ../shared/data/models/stories260K/stories260K.bin (not in this clone)",
                e.getMessage());
    }

    @Test
    void missingPathFailsWhenTheDataIsRequired(@TempDir Path data) {
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> SharedDataAssumptions.check(data, "gsm8k/test.jsonl", true));
        assertTrue(e.getMessage().startsWith("needs ../shared/data/gsm8k/test.jsonl, not found at " + data.resolve("gsm8k/test.jsonl").toAbsolutePath().normalize()),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("(-Dmutual.requireSharedData=true: tests that need the shared data must run, not be skipped)"),
                e.getMessage());
    }
}
