package dev.mutual.testing.fuzz;

import dev.mutual.testing.fuzz.Mutations.Mutated;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * YAML-aware mutations of a recipe, line by line: a {@code key: value} given another type or an extreme number, a key
 * misspelt, dropped or written twice, a line re-indented, a value nested thousands deep, an alias to nothing, a merge
 * key, or an alias bomb ("billion laughs") put in front.
 */
final class YamlMutations {
    private static final Pattern KEY_VALUE = Pattern.compile("^(\\s*(?:- )?)([A-Za-z_][\\w.-]*):(\\s*)(.*)$");
    private static final String[] VALUES = {"-1", "0", "1e400", ".nan", ".inf", "-.inf", "99999999999999999999", "2147483648",
            "~", "[]", "{}", "[a, b]", "{x: 1}", "\"str\"", "true", "''", "!!binary AAAA", "!!java.io.File /tmp", "*nothing",
            "&a x", "!!str", "[", "{", "\"unterminated", "1.5", "-2000000000", "0x7fffffff", "1_000_000", "2026-12-04", "\"\\ud800\"",
            "!!set {a, b}", "!!float abc", "|\n  block", "? complex\n: key"};

    private YamlMutations() {
    }

    static Mutated mutate(byte[] bytes, SplittableRandom rnd) {
        List<String> lines = new ArrayList<>(Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\n", -1)));
        List<Integer> keyed = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (KEY_VALUE.matcher(lines.get(i)).matches() && !lines.get(i).trim().startsWith("#")) keyed.add(i);
        }
        if (keyed.isEmpty()) return Mutations.byteLevel(bytes, rnd);
        int at = keyed.get(rnd.nextInt(keyed.size()));
        Matcher m = KEY_VALUE.matcher(lines.get(at));
        m.matches();
        String indent = m.group(1), key = m.group(2), value = m.group(4);
        String what;
        switch (rnd.nextInt(12)) {
            case 0, 1, 2 -> {
                String v = VALUES[rnd.nextInt(VALUES.length)];
                lines.set(at, indent + key + ": " + v);
                what = key + ": " + abbreviate(value) + " -> " + v;
            }
            case 3 -> {
                String typo = misspell(key, rnd);
                lines.set(at, indent + typo + ":" + m.group(3) + value);
                what = "key " + key + " -> " + typo;
            }
            case 4 -> {
                lines.remove(at);
                what = "drop " + key;
            }
            case 5 -> {
                lines.add(at, lines.get(at));
                what = "duplicate " + key;
            }
            case 6 -> {
                String shift = new String[] {"  ", "\t", " ", ""}[rnd.nextInt(4)];
                boolean deeper = rnd.nextBoolean() || indent.isEmpty();
                lines.set(at, deeper ? shift + lines.get(at) : lines.get(at).substring(Math.min(indent.length(), shift.length())));
                what = (deeper ? "indent " : "dedent ") + key + " by '" + shift.replace("\t", "\\t") + "'";
            }
            case 7 -> {
                int depth = new int[] {60, 600, 5000, 50_000}[rnd.nextInt(4)];
                boolean maps = rnd.nextBoolean();
                lines.set(at, indent + key + ": " + (maps ? "{a: " : "[").repeat(depth) + "1" + (maps ? "}" : "]").repeat(depth));
                what = key + " nested " + depth + " deep";
            }
            case 8 -> {
                int width = 2 + rnd.nextInt(9), levels = 3 + rnd.nextInt(12);
                StringBuilder bomb = new StringBuilder("bomb0: &b0 [x, x]\n");
                for (int l = 1; l <= levels; l++) {
                    bomb.append("bomb").append(l).append(": &b").append(l).append(" [");
                    for (int w = 0; w < width; w++) bomb.append(w == 0 ? "" : ", ").append("*b").append(l - 1);
                    bomb.append("]\n");
                }
                if (rnd.nextBoolean()) lines.add(0, bomb.toString());
                else lines.set(at, indent + key + ": " + "[" + "*b" + levels + "]\n" + bomb);
                what = "alias bomb " + width + "^" + levels;
            }
            case 9 -> {
                lines.add(at, indent + "<<: " + (rnd.nextBoolean() ? "*nowhere" : "{" + key + ": 1}"));
                what = "merge key before " + key;
            }
            case 10 -> {
                lines.set(at, indent + key + ": " + "x".repeat(new int[] {10_000, 1_000_000}[rnd.nextInt(2)]));
                what = key + ": a very long scalar";
            }
            default -> {
                lines.set(at, indent + key + ":\n" + indent + "  - " + (value.isBlank() ? "1" : value) + "\n" + indent + "  - 2");
                what = key + " -> a list";
            }
        }
        return new Mutated(String.join("\n", lines).getBytes(StandardCharsets.UTF_8), "yaml: " + what);
    }

    private static String misspell(String key, SplittableRandom rnd) {
        if (key.length() < 2) return key + "x";
        int i = rnd.nextInt(key.length() - 1);
        return switch (rnd.nextInt(3)) {
            case 0 -> key.substring(0, i) + key.charAt(i + 1) + key.charAt(i) + key.substring(i + 2);
            case 1 -> key.substring(0, i) + key.substring(i + 1);
            default -> key.toUpperCase();
        };
    }

    private static String abbreviate(String s) {
        return JsonMutations.abbreviate(s);
    }
}
