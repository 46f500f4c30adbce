package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code examples.md} of a select stage: 20 kept and 20 dropped candidates side by side, each with its
 * instruction, response, scores and reason, to read what the filter does. Both lists are spread evenly through the
 * file (not the best or worst), and the dropped side prefers candidates the filter itself dropped over those the
 * {@code candidates} choice or a missing score left out. Every text is escaped for a markdown table cell.
 */
final class SelectionExamples {
    static final int EACH = 20;
    /** Characters of an instruction or response shown; the rest is elided. */
    static final int MAX_CHARS = 400;

    private SelectionExamples() {}

    /**
     * @param eligible which lines the mode decided on (the others were left out before it)
     * @param ratings  the curate ratings by id in mode rating, else null
     */
    static String markdown(String stage, String settings, List<CandidateLine> lines, SelectionRules.Decision[] decisions,
                           boolean[] eligible, Map<String, JsonNode> ratings) {
        List<Integer> kept = new ArrayList<>(), filtered = new ArrayList<>(), other = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (decisions[i].kept()) kept.add(i);
            else if (eligible[i]) filtered.add(i);
            else other.add(i);
        }
        List<Integer> dropped = spread(filtered, EACH);
        if (dropped.size() < EACH) dropped.addAll(spread(other, EACH - dropped.size()));
        List<Integer> shown = spread(kept, EACH);

        StringBuilder md = new StringBuilder();
        md.append("# Select stage `").append(stage).append("`: examples\n\n");
        md.append(kept.size()).append(" of ").append(lines.size()).append(" candidates kept (").append(settings).append("). ")
                .append("Up to ").append(EACH).append(" kept and ").append(EACH).append(" dropped candidates, spread evenly")
                .append(" through scores.jsonl, side by side; texts cut at ").append(MAX_CHARS).append(" characters.\n\n");
        md.append("| # | kept | dropped |\n|---|---|---|\n");
        for (int row = 0; row < Math.max(shown.size(), dropped.size()); row++) {
            md.append("| ").append(row + 1).append(" | ")
                    .append(row < shown.size() ? cell(lines.get(shown.get(row)), decisions[shown.get(row)], ratings) : "")
                    .append(" | ")
                    .append(row < dropped.size() ? cell(lines.get(dropped.get(row)), decisions[dropped.get(row)], ratings) : "")
                    .append(" |\n");
        }
        return md.toString();
    }

    /** At most {@code n} of {@code items}, evenly spaced, in order. */
    static List<Integer> spread(List<Integer> items, int n) {
        List<Integer> out = new ArrayList<>();
        if (items.size() <= n) return new ArrayList<>(items);
        for (int j = 0; j < n; j++) out.add(items.get((int) ((long) j * items.size() / n)));
        return out;
    }

    private static String cell(CandidateLine l, SelectionRules.Decision d, Map<String, JsonNode> ratings) {
        StringBuilder c = new StringBuilder();
        c.append("**instruction:** ").append(escape(cut(l.instruction()))).append("<br>");
        c.append("**response:** ").append(escape(cut(l.response()))).append("<br>");
        String scores = l.scores() == null ? "no scores" : "forward_pmi " + SelectionRules.num(l.scores().forwardPmi())
                + ", reverse_pmi " + SelectionRules.num(l.scores().reversePmi()) + ", mutual " + SelectionRules.num(l.scores().mutual())
                + ", ifd " + SelectionRules.num(l.scores().ifd());
        if (ratings != null) {
            JsonNode r = ratings.get(l.id());
            scores += ", rating " + (r == null ? "none" : r.isNull() ? "unparsed" : r.asText());
        }
        c.append(escape(scores));
        c.append("<br>*").append(escape(d.reason())).append("* (id ").append(escape(l.id())).append(")");
        return c.toString();
    }

    private static String cut(String s) {
        return s.length() <= MAX_CHARS ? s : s.substring(0, MAX_CHARS) + "…";
    }

    /**
     * Text made safe for one markdown table cell: HTML and markdown markup shown as typed, pipes escaped, line
     * breaks as {@code <br>}, so no candidate text can break the table or format the page.
     */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '\r' -> { }
                case '\n' -> out.append("<br>");
                case '\\', '`', '*', '_', '[', ']', '|', '#', '~' -> out.append('\\').append(ch);
                default -> out.append(ch);
            }
        }
        return out.toString();
    }
}
