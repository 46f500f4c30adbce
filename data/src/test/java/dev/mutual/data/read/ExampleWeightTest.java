package dev.mutual.data.read;

import dev.mutual.data.Example;
import dev.mutual.data.ExampleJson;
import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The optional per-example {@code weight} field: read from any JSON format, validated, kept by prepared files. */
class ExampleWeightTest {
    @TempDir
    Path dir;

    @Test
    void weightsAreReadAndSurviveAPreparedRoundTrip() throws IOException {
        Path alpaca = Files.writeString(dir.resolve("a.jsonl"), """
                {"instruction": "a", "output": "b", "weight": 0.25}
                {"instruction": "c", "output": "d"}
                {"instruction": "e", "output": "f", "weight": 0}
                """);
        List<Example> read = DataReader.read(alpaca, DataReader.Options.defaults()).examples();
        assertEquals(List.of(0.25, 1.0, 0.0), read.stream().map(Example::weight).toList());

        // data prepare writes ExampleJson; weight 1 is left out, others are kept.
        StringBuilder prepared = new StringBuilder();
        for (Example e : read) prepared.append(ExampleJson.toJson(e)).append('\n');
        assertFalse(prepared.toString().split("\n")[1].contains("weight"), prepared.toString());
        Path back = Files.writeString(dir.resolve("data.jsonl"), prepared);
        List<Example> again = DataReader.read(back, new DataReader.Options(Format.PREPARED, false, null, false)).examples();
        assertEquals(read.stream().map(Example::weight).toList(), again.stream().map(Example::weight).toList());
        // Normalisation (the first prepare stage) keeps it.
        assertEquals(List.of(0.25, 1.0, 0.0), new dev.mutual.data.prepare.TextNormalizer().apply(read).kept().stream()
                .map(Example::weight).toList());
        // Read as unlabelled, the weight stays with the response.
        assertEquals(0.25, DataReader.read(alpaca, new DataReader.Options(null, false, null, true)).examples().get(0).weight());
    }

    @Test
    void aBadWeightNamesTheFileLineAndWhatWasExpected() throws IOException {
        Path negative = Files.writeString(dir.resolve("n.jsonl"), """
                {"instruction": "a", "output": "b"}
                {"instruction": "c", "output": "d", "weight": -1}
                """);
        UserInputException e = assertThrows(UserInputException.class,
                () -> DataReader.read(negative, DataReader.Options.defaults()));
        assertEquals(negative + ":2: bad field 'weight' (expected a finite number >= 0, found -1) [format alpaca; use "
                + "skip_invalid / --skip-invalid to skip such lines]", e.getMessage());

        Path text = Files.writeString(dir.resolve("t.jsonl"), "{\"instruction\": \"a\", \"output\": \"b\", \"weight\": \"high\"}\n");
        UserInputException t = assertThrows(UserInputException.class, () -> DataReader.read(text, DataReader.Options.defaults()));
        assertEquals(text + ":1: field 'weight' is not a number (expected a number >= 0, found string \"high\") [format "
                + "alpaca; use skip_invalid / --skip-invalid to skip such lines]", t.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Example.pair("x", "a", "", "b", null, "f", 1)
                .withWeight(Double.POSITIVE_INFINITY));
    }
}
