package dev.mutual.trainer.model;

import dev.mutual.data.UserInputException;

import java.util.Locale;

/**
 * Whether arrays sized by an untrusted file (a checkpoint header, a config.json, a token budget) can fit in this JVM's
 * heap, asked before they are allocated: a size that cannot fit is refused with the numbers and the fix, instead of an
 * OutOfMemoryError part-way through reading. Only the heap's ceiling ({@code -Xmx}) is compared, never what is free
 * now, so a size that could fit after a GC is never refused.
 */
public final class HeapBudget {
    private HeapBudget() {
    }

    /**
     * @param bytes  what the arrays need
     * @param source what to name first in the message (a file, a flag)
     * @param what   what the bytes are for, e.g. "the model's 3000000000 fp32 weights"
     * @throws UserInputException when {@code bytes} exceed the heap's ceiling
     */
    public static void require(long bytes, String source, String what) {
        long max = Runtime.getRuntime().maxMemory();
        if (bytes < 0 || bytes > max) {
            boolean plausible = bytes > 0 && bytes < 1L << 40;
            throw new UserInputException(source + ": " + what + " need " + gigabytes(bytes) + " of heap, more than this JVM's "
                    + gigabytes(max) + " (-Xmx); use a smaller input" + (plausible ? " or raise the heap if the machine has the memory, e.g."
                    + " MUTUAL_JAVA_OPTS=-Xmx" + (bytes / (1L << 30) + 2) + "g" : ""));
        }
    }

    /** {@code floats * 4} without overflow (a negative or overflowing count reads as "too many"). */
    public static long floatBytes(long floats) {
        return floats < 0 || floats > Long.MAX_VALUE / 4 ? -1 : floats * 4;
    }

    static String gigabytes(long bytes) {
        return bytes < 0 ? "more than 8 EB" : String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }
}
