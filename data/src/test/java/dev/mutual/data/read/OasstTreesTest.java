package dev.mutual.data.read;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * OASST files are untrusted: parent_id links that loop (which used to make {@code data prepare} and {@code data inspect}
 * walk the ancestors forever), repeated ids and absurdly deep chains stop with FILE:LINE. The timeouts only turn a
 * regression into a failure instead of a hung build.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OasstTreesTest {
    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path p = dir.resolve("tree.jsonl");
        Files.writeString(p, text);
        return p;
    }

    private static String message(String id, String parent, String role, Integer rank) {
        return "{\"message_id\": \"" + id + "\", \"parent_id\": " + (parent == null ? "null" : "\"" + parent + "\"")
                + ", \"role\": \"" + role + "\", \"text\": \"text of " + id + "\", \"rank\": " + rank + "}\n";
    }

    @Test
    void aMessageThatIsItsOwnParentNamesItsLine() throws IOException {
        Path p = write(message("p1", null, "prompter", null) + message("a1", "p1", "assistant", 0)
                + message("p2", "p2", "prompter", null) + message("a2", "p2", "assistant", 0));
        for (boolean skipInvalid : new boolean[] {false, true}) { // data inspect reads with skipInvalid
            UserInputException e = assertThrows(UserInputException.class,
                    () -> DataReader.read(p, new DataReader.Options(null, skipInvalid, null, false)));
            assertEquals(p + ":3: message 'p2' is its own parent (expected parent_id to name another message or null, found 'p2')",
                    e.getMessage());
        }
    }

    @Test
    void twoMessagesThatAreEachOthersParentNameTheCycle() throws IOException {
        Path p = write(message("p1", null, "prompter", null) + message("a1", "p1", "assistant", 0)
                + message("x", "y", "prompter", null) + message("z", "x", "assistant", 0) + message("y", "x", "assistant", 0));
        UserInputException e = assertThrows(UserInputException.class, () -> DataReader.read(p, DataReader.Options.defaults()));
        assertEquals(p + ":3: parent_id cycle of 2 messages (expected message trees, found 'x' (line 3) -> 'y' (line 5) -> 'x')",
                e.getMessage());
    }

    @Test
    void aLongCycleIsShownShortened() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 10; i++) text.append(message("m" + i, "m" + ((i + 1) % 10), i % 2 == 0 ? "prompter" : "assistant", 0));
        Path p = write(text.toString());
        UserInputException e = assertThrows(UserInputException.class, () -> DataReader.read(p, DataReader.Options.defaults()));
        assertEquals(p + ":1: parent_id cycle of 10 messages (expected message trees, found 'm0' (line 1) -> 'm1' (line 2) -> 'm2' (line 3)"
                + " -> 'm3' (line 4) -> 'm4' (line 5) -> 'm5' (line 6) -> ...)", e.getMessage());
    }

    @Test
    void aRepeatedIdIsAnInvalidRecord() throws IOException {
        Path p = write(message("p1", null, "prompter", null) + message("a1", "p1", "assistant", 0) + message("p1", "a1", "prompter", null));
        UserInputException e = assertThrows(UserInputException.class, () -> DataReader.read(p, DataReader.Options.defaults()));
        assertEquals(p + ":3: duplicate message_id (expected a message_id used once, found 'p1' again (first on line 1))"
                + " [format oasst; use skip_invalid / --skip-invalid to skip such lines]", e.getMessage());
        ReadResult r = DataReader.read(p, new DataReader.Options(null, true, null, false));
        assertEquals(Map.of("duplicate message_id", 1L), r.skipped());
        assertEquals(1, r.examples().size());
    }

    @Test
    void aChainDeeperThanTheBoundStops() throws IOException {
        StringBuilder text = new StringBuilder(message("m0", null, "prompter", null));
        int n = OasstTrees.MAX_DEPTH + 1;
        for (int i = 1; i < n; i++) text.append(message("m" + i, "m" + (i - 1), i % 2 == 0 ? "prompter" : "assistant", 0));
        Path p = write(text.toString());
        UserInputException e = assertThrows(UserInputException.class, () -> DataReader.read(p, DataReader.Options.defaults()));
        assertEquals(p + ":" + n + ": message 'm" + (n - 1) + "' is " + n + " messages deep (expected conversations of at most "
                + OasstTrees.MAX_DEPTH + " messages, found a longer parent_id chain)", e.getMessage());
    }

    @Test
    void aChainAtTheBoundIsRead() throws IOException {
        StringBuilder text = new StringBuilder(message("m0", null, "prompter", null));
        for (int i = 1; i < OasstTrees.MAX_DEPTH; i++) text.append(message("m" + i, "m" + (i - 1), i % 2 == 0 ? "prompter" : "assistant", 0));
        ReadResult r = DataReader.read(write(text.toString()), DataReader.Options.defaults());
        assertEquals(OasstTrees.MAX_DEPTH / 2, r.examples().size());
        assertEquals(OasstTrees.MAX_DEPTH, r.examples().get(r.examples().size() - 1).turns().size());
    }
}
