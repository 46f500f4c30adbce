package dev.mutual.testing.fuzz;

import dev.mutual.testing.fuzz.Mutations.Mutated;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja-aware mutations of a chat template (a model folder's {@code chat_template} is a program from an untrusted
 * source): loops nested around the template or a tag, {@code range()} arguments grown, tags duplicated, deleted or left
 * unclosed, recursive and exponential macros, huge string and list multiplications, filters given the wrong types or
 * extreme arguments, and statements Jinjava knows but HF's sandbox does not (include, import, extends).
 */
final class JinjaMutations {
    private static final Pattern TAG = Pattern.compile("\\{%-?.*?-?%}|\\{\\{-?.*?-?}}", Pattern.DOTALL);
    private static final Pattern RANGE = Pattern.compile("range\\(([^()]*)\\)");
    private static final String[] COUNTS = {"0", "-1", "10", "1000", "100000", "2147483647", "2147483648", "99999999999999999999",
            "1e9", "'10'", "none", "messages"};
    /** Whole statements or expressions that attack the renderer's bounds or types. */
    private static final String[] INSERTS = {
            "{{ 'a' * 1000000000 }}", "{{ 'ab' * 2147483647 }}", "{% set s = 'x' * 100000 %}{{ s * 100000 }}",
            "{{ messages * 100000000 }}", "{{ [1] * 999999999 }}", "{{ range(100000000)|list|length }}",
            "{{ range(2147483647)|join(',') }}", "{{ 10 ** 10 ** 10 }}", "{{ 2 ** 100000 }}", "{{ 99999999999999999999999999 * 9999999999999 }}",
            "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
            "{% macro g(n) %}{{ g(n + 1) }}{{ g(n + 1) }}{% endmacro %}{{ g(0) }}",
            "{% macro h(s) %}{{ h(s ~ s) }}{% endmacro %}{{ h('ab') }}",
            "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
            "{% set l = [1] %}{% for i in range(40) %}{% set l = l + l %}{% endfor %}{{ l|length }}",
            "{{ messages|int }}", "{{ 5|upper }}", "{{ none|length }}", "{{ messages[0]|join('-') }}", "{{ messages|batch(0) }}",
            "{{ messages|slice(-1) }}", "{{ 'x'|wordwrap(0) }}", "{{ 'x'|center(2000000000) }}", "{{ 'x'|indent(2000000000) }}",
            "{{ 'x'|truncate(-1) }}", "{{ 'abc'|replace('', 'xyz') }}", "{{ '%s %s'|format(1) }}", "{{ 1.5|round(-5) }}",
            "{{ messages|sort(attribute='nope') }}", "{{ messages|map('int')|list }}", "{{ messages|selectattr('x', 'equalto')|list }}",
            "{{ messages|tojson }}", "{{ messages[99999999999] }}", "{{ messages[-1]['content'][::-1] }}", "{{ messages|first|last }}",
            "{{ 'a b'.split(none, -5) }}", "{{ 'abc'.startswith(5) }}", "{{ 'x'.strip(none, 1) }}", "{{ 'x'.rjust(2000000000) }}",
            "{{ 1 / 0 }}", "{{ 1 // 0 }}", "{{ 1 % 0 }}", "{{ undefined_thing.attr.more }}", "{{ raise_exception('fuzz') }}",
            "{{ raise_exception(none) }}", "{{ raise_exception() }}", "{% include 'tokenizer_config.json' %}", "{% import 'x.j2' as x %}",
            "{% extends 'base.html' %}", "{% from 'x' import y %}", "{{ messages.getClass() }}", "{{ ''.getClass().forName('java.lang.Runtime') }}",
            "{{ messages.__class__.__mro__ }}", "{% raw %}{{ x }}", "{% filter upper %}{{ 'x' * 1000000 }}{% endfilter %}",
            "{% call range(10) %}x{% endcall %}", "{% cycle 'a', 'b' %}", "{% do messages.append(messages) %}{{ messages }}",
            "{% set d = {} %}{% for i in range(2000000) %}{% do d.update({i: i}) %}{% endfor %}",
            "{% for m in messages recursive %}{{ loop(messages) }}{% endfor %}",
    };
    private static final String[] UNBALANCED = {"{% if true %}", "{% for m in messages %}", "{% endif %}", "{% endfor %}",
            "{% else %}", "{% macro m() %}", "{% endmacro %}", "{{", "}}", "{%", "%}", "{#", "{% set %}", "{% for %}",
            "{% if %}", "{{ }}", "{{ ( }}", "{{ [ }}", "{{ 'unterminated }}", "{% endraw %}", "{% elif %}"};

    private JinjaMutations() {
    }

    static Mutated mutate(byte[] bytes, SplittableRandom rnd) {
        String s = new String(bytes, StandardCharsets.UTF_8);
        List<int[]> tags = new ArrayList<>();
        Matcher m = TAG.matcher(s);
        while (m.find()) tags.add(new int[] {m.start(), m.end()});
        int[] tag = tags.isEmpty() ? new int[] {0, 0} : tags.get(rnd.nextInt(tags.size()));
        String what;
        String out;
        switch (rnd.nextInt(9)) {
            case 0 -> {
                // The whole template, or one tag, inside loops nested 1-4 deep.
                int depth = 1 + rnd.nextInt(4);
                String count = COUNTS[rnd.nextInt(COUNTS.length)];
                String open = "", close = "";
                for (int d = 0; d < depth; d++) {
                    open += "{% for fuzz" + d + " in range(" + count + ") %}";
                    close += "{% endfor %}";
                }
                boolean whole = rnd.nextBoolean();
                out = whole ? open + s + close : s.substring(0, tag[0]) + open + s.substring(tag[0], tag[1]) + close + s.substring(tag[1]);
                what = (whole ? "the template" : "a tag") + " in " + depth + " nested loops of range(" + count + ")";
            }
            case 1 -> {
                Matcher r = RANGE.matcher(s);
                List<int[]> ranges = new ArrayList<>();
                while (r.find()) ranges.add(new int[] {r.start(1), r.end(1)});
                String count = COUNTS[rnd.nextInt(COUNTS.length)];
                if (ranges.isEmpty()) {
                    out = s.substring(0, tag[0]) + "{% for i in range(" + count + ") %}{{ i }}{% endfor %}" + s.substring(tag[0]);
                    what = "a loop over range(" + count + ") inserted";
                } else {
                    int[] at = ranges.get(rnd.nextInt(ranges.size()));
                    out = s.substring(0, at[0]) + count + s.substring(at[1]);
                    what = "a range() argument -> " + count;
                }
            }
            case 2 -> {
                int times = new int[] {2, 3, 100, 10_000}[rnd.nextInt(4)];
                String t = s.substring(tag[0], tag[1]);
                out = s.substring(0, tag[1]) + t.repeat(Math.min(times, Mutations.MAX_BYTES / Math.max(1, t.length()))) + s.substring(tag[1]);
                what = "tag " + JsonMutations.abbreviate(t) + " repeated " + times + " times";
            }
            case 3 -> {
                out = s.substring(0, tag[0]) + s.substring(tag[1]);
                what = "tag " + JsonMutations.abbreviate(s.substring(tag[0], tag[1])) + " deleted";
            }
            case 4 -> {
                String u = UNBALANCED[rnd.nextInt(UNBALANCED.length)];
                int at = rnd.nextBoolean() ? tag[0] : rnd.nextInt(s.length() + 1);
                out = s.substring(0, at) + u + s.substring(at);
                what = "unbalanced " + u + " at " + at;
            }
            case 5, 6 -> {
                String insert = INSERTS[rnd.nextInt(INSERTS.length)];
                int at = rnd.nextBoolean() ? tag[1] : rnd.nextBoolean() ? 0 : s.length();
                out = s.substring(0, at) + insert + s.substring(at);
                what = "insert " + insert + " at " + at;
            }
            case 7 -> {
                // A tag's expression given a filter or an operand of the wrong type.
                String t = s.substring(tag[0], tag[1]);
                String[] suffix = {"|int", "|length * 1000000", "|list", "|first", "|join(none)", " * 100000", " + 1", "|reverse", "[0]", ".x"};
                String extra = suffix[rnd.nextInt(suffix.length)];
                int end = t.endsWith("-}}") || t.endsWith("-%}") ? t.length() - 3 : t.length() - 2;
                out = s.substring(0, tag[0]) + t.substring(0, Math.max(2, end)).stripTrailing() + extra + " " + t.substring(Math.max(2, end)) + s.substring(tag[1]);
                what = "tag " + JsonMutations.abbreviate(t) + " with " + extra;
            }
            default -> {
                // Two tags swapped: blocks close before they open.
                int[] other = tags.isEmpty() ? tag : tags.get(rnd.nextInt(tags.size()));
                int[] a = tag[0] <= other[0] ? tag : other, b = a == tag ? other : tag;
                if (a[1] > b[0]) {
                    out = s + s.substring(a[0], a[1]);
                    what = "tag appended again";
                } else {
                    out = s.substring(0, a[0]) + s.substring(b[0], b[1]) + s.substring(a[1], b[0]) + s.substring(a[0], a[1]) + s.substring(b[1]);
                    what = "two tags swapped";
                }
            }
        }
        return new Mutated(out.getBytes(StandardCharsets.UTF_8), "jinja: " + what);
    }
}
