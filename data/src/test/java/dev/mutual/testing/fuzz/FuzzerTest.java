package dev.mutual.testing.fuzz;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner itself: cases replay exactly, and every kind of failure it promises to catch fails the run. */
class FuzzerTest {
    private static final List<Seed> SEEDS = List.of(Seed.text("a.jsonl", Seed.Kind.JSONL,
            "{\"message_id\": \"m1\", \"parent_id\": null, \"text\": \"hello\", \"rank\": 0}\n{\"message_id\": \"m2\", \"parent_id\": \"m1\", \"text\": \"hi\", \"rank\": 1}\n"));

    @Test
    void aCaseIsMadeAgainFromItsSeedAndIndex() {
        for (int i = 0; i < 200; i++) {
            FuzzCase a = Fuzzer.make("p", 5, i, SEEDS), b = Fuzzer.make("p", 5, i, SEEDS);
            assertArrayEquals(a.bytes(), b.bytes());
            assertEquals(a.mutation(), b.mutation());
            assertEquals(a.random().nextLong(), b.random().nextLong(), "the target's options replay too");
        }
        assertTrue(Fuzzer.make("p", 5, 0, SEEDS).unmutated());
    }

    @Test
    void otherExceptionsFailTheRunWithAReplayCommand() {
        AssertionError e = assertThrows(AssertionError.class, () -> Fuzzer.run("selftest-npe", SEEDS, 50, (c, dir) -> {
            if (c.index() == 17) throw new IllegalStateException("boom");
            if (c.index() % 2 == 1) throw new UserInputException("bad line");
        }));
        assertTrue(e.getMessage().startsWith("fuzz selftest-npe: 50 cases (seed 13), 25 ok, 24 clean errors, 1 failures, in "), e.getMessage());
        assertTrue(e.getMessage().contains("selftest-npe case 17 (seed file a.jsonl, "), e.getMessage());
        assertTrue(e.getMessage().contains("java.lang.IllegalStateException: boom"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dtest=FuzzerTest -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.seed=13 -Dfuzz.case=17"), e.getMessage());
    }

    @Test
    void refusingTheUnchangedSeedFails() {
        AssertionError e = assertThrows(AssertionError.class, () -> Fuzzer.run("selftest-refuse", SEEDS, 3, (c, dir) -> {
            throw new UserInputException("no");
        }));
        assertTrue(e.getMessage().contains("the unmutated seed file was refused: no"), e.getMessage());
    }

    @Test
    void aHangIsStoppedAtTheTimeout() {
        String old = System.setProperty("fuzz.timeoutSeconds", "0.5") == null ? null : "";
        try {
            AssertionError e = assertThrows(AssertionError.class, () -> Fuzzer.run("selftest-hang", SEEDS, 20, (c, dir) -> {
                if (c.index() == 3) Thread.sleep(60_000);
            }));
            assertTrue(e.getMessage().contains("4 cases") && e.getMessage().contains("still running after 500 ms"), e.getMessage());
        } finally {
            if (old == null) System.clearProperty("fuzz.timeoutSeconds");
        }
    }

    @Test
    void allocatingPastTheCapFails() {
        AssertionError e = assertThrows(AssertionError.class, () -> Fuzzer.run("selftest-alloc", SEEDS, 5, (c, dir) -> {
            if (c.index() == 4) {
                long sum = 0;
                for (int k = 0; k < 40; k++) sum += new byte[10 << 20].length; // 400 MB in all, never more than 10 MB live
                assertTrue(sum > 0);
            }
        }));
        assertTrue(e.getMessage().contains("more than the 256 MB cap per case"), e.getMessage());
    }

    @Test
    void reportsAreKeptPrintable() {
        assertEquals("a\\u0000b\\udc00", Fuzzer.printable("a\u0000b\udc00"));
        assertEquals("x".repeat(300) + "...\nnext", Fuzzer.printable("x".repeat(1000) + "\nnext"));
        assertEquals("ok 🙂", Fuzzer.printable(new String("ok 🙂".getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)));
    }
}
