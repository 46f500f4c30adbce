package dev.mutual.testing.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks and applies mutations to a seed: a structured one for the seed's kind ({@link JsonMutations},
 * {@link YamlMutations}, {@link JinjaMutations}, binary header fields), a byte-level one (truncate, flip bits, invalid UTF-8, repeat or cut a
 * span), or a structured one followed by a byte-level one. Everything comes from the one random generator, so a
 * case's index and seed give back the same bytes.
 */
public final class Mutations {
    /** Bytes and the list of mutations that made them, for the failure message. */
    public record Mutated(byte[] bytes, String description) {}

    /** A mutated file never grows past this: the fuzzer looks for bad handling of sizes, not for a slow disk. */
    static final int MAX_BYTES = 4 << 20;

    private static final int[] INTERESTING_INTS = {0, 1, -1, 2, 3, 7, 255, 256, 1 << 16, 1 << 20, 1 << 24, 1 << 30,
            Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE - 7, -2};
    private static final float[] INTERESTING_FLOATS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MAX_VALUE, -0f, 1e-45f};
    private static final byte[][] BAD_UTF8 = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {(byte) 0xC0, (byte) 0xAF}, {(byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82},
            {0}, {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, {(byte) 0xE9}};
    private static final byte[] INTERESTING_BYTES = {0, (byte) 0xFF, 0x7F, (byte) 0x80, '"', '{', '}', '[', ']', '\n', '\r', '\\', ':', ',', '\t', '&', '*'};

    private Mutations() {
    }

    public static Mutated mutate(Seed seed, SplittableRandom rnd) {
        int plan = rnd.nextInt(10);
        if (plan < 4) return byteLevel(seed.bytes(), rnd);
        Mutated structured = structured(seed, rnd);
        if (plan < 8) return structured;
        Mutated then = byteLevel(structured.bytes(), rnd);
        return new Mutated(then.bytes(), structured.description() + "; then " + then.description());
    }

    private static Mutated structured(Seed seed, SplittableRandom rnd) {
        return switch (seed.kind()) {
            case JSONL -> JsonMutations.jsonLines(seed.bytes(), rnd);
            case JSON -> JsonMutations.jsonDocument(seed.bytes(), rnd);
            case YAML -> YamlMutations.mutate(seed.bytes(), rnd);
            case BINARY -> binary(seed.bytes(), rnd);
            case SAFETENSORS -> JsonMutations.safetensors(seed.bytes(), rnd);
            case JINJA -> JinjaMutations.mutate(seed.bytes(), rnd);
            case TEXT -> byteLevel(seed.bytes(), rnd);
        };
    }

    /** Byte-level damage that any parser must survive. */
    public static Mutated byteLevel(byte[] in, SplittableRandom rnd) {
        int n = in.length;
        switch (rnd.nextInt(9)) {
            case 0: {
                int at = n == 0 ? 0 : rnd.nextBoolean() ? rnd.nextInt(n) : Math.max(0, n - 1 - rnd.nextInt(Math.min(n, 16)));
                return new Mutated(Arrays.copyOf(in, at), "truncate to " + at + " of " + n + " bytes");
            }
            case 1: {
                byte[] out = in.clone();
                int flips = 1 + rnd.nextInt(8);
                for (int i = 0; i < flips && n > 0; i++) out[rnd.nextInt(n)] ^= (byte) (1 << rnd.nextInt(8));
                return new Mutated(out, "flip " + flips + " bits");
            }
            case 2: {
                byte[] out = in.clone();
                int count = 1 + rnd.nextInt(4);
                for (int i = 0; i < count && n > 0; i++) out[rnd.nextInt(n)] = INTERESTING_BYTES[rnd.nextInt(INTERESTING_BYTES.length)];
                return new Mutated(out, "set " + count + " bytes to syntax characters");
            }
            case 3: {
                byte[] bad = BAD_UTF8[rnd.nextInt(BAD_UTF8.length)];
                int at = n == 0 ? 0 : rnd.nextInt(n + 1);
                return new Mutated(insert(in, at, bad), "insert invalid UTF-8 " + hex(bad) + " at byte " + at);
            }
            case 4: {
                if (n == 0) return new Mutated(in, "nothing to cut");
                int from = rnd.nextInt(n), len = 1 + rnd.nextInt(Math.min(n - from, 1 + n / 4));
                byte[] out = new byte[n - len];
                System.arraycopy(in, 0, out, 0, from);
                System.arraycopy(in, from + len, out, from, n - from - len);
                return new Mutated(out, "cut " + len + " bytes at " + from);
            }
            case 5: {
                if (n == 0) return new Mutated(in, "nothing to repeat");
                int from = rnd.nextInt(n), len = 1 + rnd.nextInt(Math.min(n - from, 256));
                int times = 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 2000);
                times = Math.max(1, Math.min(times, (MAX_BYTES - n) / len));
                byte[] span = Arrays.copyOfRange(in, from, from + len);
                byte[] rep = new byte[len * times];
                for (int t = 0; t < times; t++) System.arraycopy(span, 0, rep, t * len, len);
                return new Mutated(insert(in, from, rep), "repeat " + len + " bytes at " + from + " " + times + " times");
            }
            case 6:
                return new Mutated(new byte[0], "empty file");
            case 7: {
                byte[] junk = new byte[1 + rnd.nextInt(64)];
                for (int i = 0; i < junk.length; i++) junk[i] = (byte) rnd.nextInt(256);
                int at = rnd.nextBoolean() ? n : rnd.nextInt(n + 1);
                return new Mutated(insert(in, at, junk), "insert " + junk.length + " random bytes at " + at);
            }
            default: {
                byte[] out = in.clone();
                int count = 1 + rnd.nextInt(32);
                for (int i = 0; i < count && n > 0; i++) out[rnd.nextInt(n)] = (byte) rnd.nextInt(256);
                return new Mutated(out, "randomize " + count + " bytes");
            }
        }
    }

    /**
     * Binary structure: an int32 field (the header's first 64 bytes, or any aligned word) set to an extreme count,
     * a float32 to NaN or infinity, or the file cut at a word boundary.
     */
    static Mutated binary(byte[] in, SplittableRandom rnd) {
        int words = in.length / 4;
        if (words == 0) return byteLevel(in, rnd);
        byte[] out = in.clone();
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        int word = rnd.nextInt(3) < 2 ? rnd.nextInt(Math.min(words, 16)) : rnd.nextInt(words);
        switch (rnd.nextInt(4)) {
            case 0, 1: {
                int old = b.getInt(word * 4);
                int value = rnd.nextInt(3) == 0 ? grow(old, rnd) : INTERESTING_INTS[rnd.nextInt(INTERESTING_INTS.length)];
                b.putInt(word * 4, value);
                return new Mutated(out, "int32 at byte " + word * 4 + ": " + old + " -> " + value);
            }
            case 2: {
                float value = INTERESTING_FLOATS[rnd.nextInt(INTERESTING_FLOATS.length)];
                b.putFloat(word * 4, value);
                return new Mutated(out, "float32 at byte " + word * 4 + " -> " + value);
            }
            default:
                return new Mutated(Arrays.copyOf(in, word * 4), "truncate to word " + word);
        }
    }

    /** A count made larger, negative or off by one. */
    static int grow(int old, SplittableRandom rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> old + 1;
            case 1 -> old - 1;
            case 2 -> -old;
            case 3 -> (int) Math.min(Integer.MAX_VALUE, (long) old * (2 + rnd.nextInt(1000)));
            default -> old ^ (1 << (16 + rnd.nextInt(15)));
        };
    }

    static byte[] insert(byte[] in, int at, byte[] what) {
        byte[] out = new byte[in.length + what.length];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(in, at, out, at + what.length, in.length - at);
        return out;
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte x : bytes) s.append(String.format("%02X", x & 0xFF));
        return s.toString();
    }
}
