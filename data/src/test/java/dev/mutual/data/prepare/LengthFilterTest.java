package dev.mutual.data.prepare;

import dev.mutual.data.Example;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.ToIntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LengthFilterTest {
    /** Whitespace-separated words: a simple, exact token count for these inputs. */
    private static final ToIntFunction<String> WORDS = s -> s.isBlank() ? 0 : s.strip().split("\\s+").length;

    private static final List<Example> ITEMS = List.of(
            Example.pair("ok", "Name three colours.", "", "Red, green and blue.", null, "f", 1),       // 19 / 20 chars
            Example.pair("short-resp", "Name a colour please.", "", "Red", null, "f", 2),             // response 3 chars
            Example.pair("long-instr", "Name a colour.", "x".repeat(40), "Red, green and blue.", null, "f", 3),
            Example.unlabelled("pool", "A response with seven words in it.", null, "f", 4),           // 34 chars, 7 words
            Example.unlabelled("emoji", "\uD83D\uDE00".repeat(10), null, "f", 5));                    // 10 code points, 20 chars

    @Test
    void charBoundsApplyToResponseAndToInstructionWithInput() {
        Stage.Result r = new LengthFilter(10, 40, null, null, null).apply(ITEMS);
        assertEquals(List.of("ok", "pool", "emoji"), r.kept().stream().map(Example::id).toList());
        assertEquals("response shorter than min_chars", r.dropped().get(0).reason());
        assertEquals("3 chars < 10", r.dropped().get(0).detail());
        assertEquals("instruction longer than max_chars", r.dropped().get(1).reason());
        assertEquals("56 chars > 40", r.dropped().get(1).detail()); // 14 + 2 ("\n\n") + 40
    }

    @Test
    void codePointsAreCountedNotUtf16Units() {
        Stage.Result r = new LengthFilter(11, null, null, null, null).apply(List.of(ITEMS.get(4)));
        assertEquals("10 chars < 11", r.dropped().get(0).detail());
    }

    @Test
    void tokenBoundsUseTheGivenCounter() {
        Stage.Result r = new LengthFilter(null, null, 3, 6, WORDS).apply(ITEMS);
        assertEquals(List.of("ok", "long-instr"), r.kept().stream().map(Example::id).toList());
        assertEquals(List.of("response shorter than min_tokens", "response longer than max_tokens", "response shorter than min_tokens"),
                r.dropped().stream().map(Stage.Dropped::reason).toList());
        assertEquals("7 tokens > 6", r.dropped().get(1).detail());
        assertThrows(IllegalArgumentException.class, () -> new LengthFilter(null, null, 1, null, null));
    }
}
