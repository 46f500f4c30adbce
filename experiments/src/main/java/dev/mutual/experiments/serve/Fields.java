package dev.mutual.experiments.serve;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of a request's JSON fields: a field that is there with the wrong type or out of range is a 400 naming
 * it; an absent or null field takes the default. Fields the server does not know are ignored, as OpenAI's own
 * clients send several (user, frequency_penalty, ...).
 */
final class Fields {
    private Fields() {}

    static boolean present(JsonNode o, String key) {
        JsonNode v = o.get(key);
        return v != null && !v.isNull();
    }

    static int integer(JsonNode o, String key, int dflt, int min, int max) {
        if (!present(o, key)) return dflt;
        JsonNode v = o.get(key);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw ApiError.invalid(key, "'" + key + "' must be an integer, found " + v);
        int i = v.intValue();
        if (i < min || i > max) throw ApiError.invalid(key, "'" + key + "' must be between " + min + " and " + max + ", found " + i);
        return i;
    }

    static double number(JsonNode o, String key, double dflt, double min, double max, boolean minOpen) {
        if (!present(o, key)) return dflt;
        JsonNode v = o.get(key);
        if (!v.isNumber()) throw ApiError.invalid(key, "'" + key + "' must be a number, found " + v);
        double d = v.doubleValue();
        if (!(minOpen ? d > min : d >= min) || !(d <= max)) {
            throw ApiError.invalid(key, "'" + key + "' must be in " + (minOpen ? "(" : "[") + min + ", " + max + "], found " + d);
        }
        return d;
    }

    static boolean bool(JsonNode o, String key, boolean dflt) {
        if (!present(o, key)) return dflt;
        JsonNode v = o.get(key);
        if (!v.isBoolean()) throw ApiError.invalid(key, "'" + key + "' must be true or false, found " + v);
        return v.booleanValue();
    }

    static String string(JsonNode o, String key) {
        if (!present(o, key)) return null;
        JsonNode v = o.get(key);
        if (!v.isTextual()) throw ApiError.invalid(key, "'" + key + "' must be a string, found " + v);
        return v.textValue();
    }

    /** A seed: any integer that fits in 64 bits, or null. */
    static Long seed(JsonNode o) {
        if (!present(o, "seed")) return null;
        JsonNode v = o.get("seed");
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw ApiError.invalid("seed", "'seed' must be an integer, found " + v);
        return v.longValue();
    }

    /** 'stop': a string or an array of up to 16 non-empty strings. */
    static List<String> stops(JsonNode o) {
        List<String> out = new ArrayList<>();
        if (!present(o, "stop")) return out;
        JsonNode v = o.get("stop");
        if (v.isTextual()) {
            out.add(v.textValue());
        } else if (v.isArray()) {
            for (JsonNode s : v) {
                if (!s.isTextual()) throw ApiError.invalid("stop", "'stop' must be a string or an array of strings, found " + s);
                out.add(s.textValue());
            }
        } else {
            throw ApiError.invalid("stop", "'stop' must be a string or an array of strings, found " + v);
        }
        if (out.size() > 16) throw ApiError.invalid("stop", "'stop' holds " + out.size() + " strings; at most 16");
        for (String s : out) if (s.isEmpty()) throw ApiError.invalid("stop", "'stop' strings must not be empty");
        return out;
    }
}
