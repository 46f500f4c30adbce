package dev.mutual.data.chat;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Python str methods for Jinjava: HF chat templates call {@code content.strip()}, {@code .startswith(...)},
 * {@code .split('</think>')[-1].lstrip('\n')}, which Jinja2 resolves on Python strings and Jinjava (Java
 * strings) does not. Semantics follow the Python documentation for str; no regexes.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = switch (method.toString()) {
            case "startswith" -> s.startsWith(arg(args, 0));
            case "endswith" -> s.endsWith(arg(args, 0));
            case "strip" -> rstrip(lstrip(s, chars(args)), chars(args));
            case "lstrip" -> lstrip(s, chars(args));
            case "rstrip" -> rstrip(s, chars(args));
            case "split" -> args.length == 0 || args[0] == null ? splitWhitespace(s)
                    : split(s, arg(args, 0), args.length > 1 ? Integer.parseInt(arg(args, 1)) : -1);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "replace" -> s.replace(arg(args, 0), arg(args, 1));
            case "find" -> s.indexOf(arg(args, 0));
            case "count" -> count(s, arg(args, 0));
            default -> null;
        };
        if (result == null) {
            return null; // not ours: let the next resolver try (Java methods, Jinjava's own)
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static String arg(Object[] args, int i) {
        if (i >= args.length || args[i] == null) {
            throw new IllegalArgumentException("string method needs argument " + (i + 1));
        }
        return args[i].toString();
    }

    /** The chars argument of strip/lstrip/rstrip; null means whitespace, as in Python. */
    private static String chars(Object[] args) {
        return args.length == 0 || args[0] == null ? null : args[0].toString();
    }

    /** Python's str.strip() with no argument: both ends, every Unicode whitespace (incl. no-break space). */
    static String strip(String s) {
        return rstrip(lstrip(s, null), null);
    }

    private static boolean strippable(char c, String chars) {
        if (chars != null) {
            return chars.indexOf(c) >= 0;
        }
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && strippable(s.charAt(i), chars)) {
            i++;
        }
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int end = s.length();
        while (end > 0 && strippable(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(0, end);
    }

    /** Python str.split(sep, maxsplit): at most {@code maxSplit} splits when it is not negative. */
    static List<String> split(String s, String separator, int maxSplit) {
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("split: empty separator");
        }
        List<String> parts = new ArrayList<>();
        int from = 0;
        for (int at = s.indexOf(separator); at >= 0 && (maxSplit < 0 || parts.size() < maxSplit);
             at = s.indexOf(separator, from)) {
            parts.add(s.substring(from, at));
            from = at + separator.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    static List<String> splitWhitespace(String s) {
        List<String> parts = new ArrayList<>();
        for (String part : s.strip().split("\\s+")) {
            if (!part.isEmpty()) {
                parts.add(part);
            }
        }
        return parts;
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
