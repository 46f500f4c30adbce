package dev.mutual.data.prepare;

import dev.mutual.data.Example;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage 3: exact duplicates. The key is a SHA-256 of the instruction (with input) and the response after
 * lower-casing and collapsing all whitespace to single spaces; the first item with a key is kept.
 */
public final class ExactDedup implements Stage {
    @Override
    public String name() {
        return "exact_dedup";
    }

    @Override
    public String settings() {
        return "key=sha256(lowercase, whitespace-collapsed instruction+input+response)";
    }

    @Override
    public Result apply(List<Example> in) {
        Map<String, String> firstIdByKey = new HashMap<>();
        MessageDigest sha256 = sha256();
        List<Example> kept = new ArrayList<>(in.size());
        List<Dropped> dropped = new ArrayList<>();
        for (Example e : in) {
            String first = firstIdByKey.putIfAbsent(key(e, sha256), e.id());
            if (first == null) kept.add(e);
            else dropped.add(new Dropped(e, name(), "exact duplicate", "same text as " + first, null));
        }
        return new Result(kept, dropped);
    }

    /** The dedup key of an item (hex SHA-256); a separator keeps "ab"+"c" apart from "a"+"bc". */
    static String key(Example e, MessageDigest sha256) {
        String text = canonical(e.fullInstruction()) + "\u0000" + canonical(e.response());
        byte[] hash = sha256.digest(text.getBytes(StandardCharsets.UTF_8));
        StringBuilder hex = new StringBuilder(64);
        for (byte b : hash) hex.append(Character.forDigit((b >> 4) & 15, 16)).append(Character.forDigit(b & 15, 16));
        return hex.toString();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Lower-cased, whitespace runs (any Unicode whitespace) as one space, trimmed. */
    static String canonical(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean space = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                space = out.length() > 0;
                continue;
            }
            if (space) out.append(' ');
            space = false;
            out.append(c);
        }
        return out.toString().toLowerCase();
    }
}
