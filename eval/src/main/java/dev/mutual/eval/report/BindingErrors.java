package dev.mutual.eval.report;

import com.fasterxml.jackson.databind.JsonMappingException;

/**
 * Jackson's binding errors in the user's terms: "Cannot deserialize value of type `java.lang.Double` from String "x""
 * becomes "key 'scores.acc': expected a number, found String "x"", naming the key by its path and the expected type in
 * words rather than as a Java class.
 */
final class BindingErrors {
    private BindingErrors() {
    }

    /** One line: the key's path (when Jackson knows it) and what was wrong, without Java type names. */
    static String describe(Exception e) {
        Throwable t = e instanceof JsonMappingException ? e : e.getCause() instanceof JsonMappingException m ? m : e;
        String message = t instanceof JsonMappingException m ? m.getOriginalMessage() : t.getMessage();
        if (message == null) message = t.getClass().getSimpleName();
        String text = plain(message.lines().findFirst().orElse(""));
        if (t instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            StringBuilder path = new StringBuilder();
            for (JsonMappingException.Reference r : m.getPath()) {
                if (r.getFieldName() != null) path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
                else if (r.getIndex() >= 0) path.append('[').append(r.getIndex()).append(']');
            }
            if (path.length() > 0) return "key '" + path + "': " + text;
        }
        return text;
    }

    /** Java type names as words; any other Java class name as "a value". */
    static String plain(String message) {
        return message.replace("Cannot deserialize value of type", "expected")
                .replaceAll("\\s*\\(token `[^`]*`\\)", "")
                .replaceAll("not a valid `(Double|Float|Integer|Long|int|long|double)` value", "not a valid number")
                .replaceAll("`java\\.lang\\.(Double|Float)`|`double`|`float`", "a number")
                .replaceAll("`java\\.lang\\.(Integer|Long)`|`int`|`long`", "an integer")
                .replaceAll("`java\\.lang\\.Boolean`|`boolean`", "true or false")
                .replaceAll("`java\\.lang\\.String`", "a string")
                .replaceAll("`java\\.util\\.[\\w$]*Map(<[^`]*>)?`", "an object")
                .replaceAll("`java\\.util\\.[\\w$]*(List|Collection)(<[^`]*>)?`", "a list")
                .replaceAll("`dev\\.mutual\\.[\\w.$]+`", "an object")
                .replaceAll("`[\\w.$]+(<[^`]*>)?`", "a value")
                .replaceAll("\\s+", " ").trim();
    }
}
