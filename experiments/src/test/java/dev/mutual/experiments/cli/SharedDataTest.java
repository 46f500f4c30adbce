package dev.mutual.experiments.cli;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The CLI's defaults under ../shared/data: found, or one clear bad-input error naming the option to give instead. */
class SharedDataTest {
    @Test
    void aDefaultUnderTheSharedFolderIsFound(@TempDir Path shared) throws IOException {
        Files.createDirectories(shared.resolve("gsm8k"));
        Files.writeString(shared.resolve("gsm8k/test.jsonl"), "{}\n");
        assertEquals(shared.resolve("gsm8k/test.jsonl"), SharedData.file(shared, shared, "gsm8k/test.jsonl", "--data"));
    }

    @Test
    void withoutTheSharedFolderTheErrorNamesTheOptionAndWhereItLooked(@TempDir Path clone) {
        Path expected = clone.resolve("shared/data");
        UserInputException e = assertThrows(UserInputException.class,
                () -> SharedData.file(null, expected, "gsm8k/test.jsonl", "--data"));
        assertEquals("no --data given, and its default ../shared/data/gsm8k/test.jsonl is missing (there is no shared data folder at "
                + expected + "): give --data", e.getMessage());
        e = assertThrows(UserInputException.class, () -> SharedData.file(null, null, "models/stories260K/stories260K.bin", "--model"));
        assertEquals("no --model given, and its default ../shared/data/models/stories260K/stories260K.bin is missing (there is no shared "
                + "data folder beside the repository): give --model", e.getMessage());
    }

    @Test
    void aFolderWithoutTheFileSaysSo(@TempDir Path shared) {
        UserInputException e = assertThrows(UserInputException.class,
                () -> SharedData.file(shared, shared, "alpaca_eval/alpaca_eval_805_prompts.jsonl", "--prompts"));
        assertEquals("no --prompts given, and its default ../shared/data/alpaca_eval/alpaca_eval_805_prompts.jsonl is missing (not found in "
                + shared + "): give --prompts", e.getMessage());
    }
}
