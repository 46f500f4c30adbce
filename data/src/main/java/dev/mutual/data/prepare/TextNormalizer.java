package dev.mutual.data.prepare;

import dev.mutual.data.Example;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Stage 1: Unicode NFC and whitespace normalisation of every text field.
 * <ul>
 *   <li>NFC, so "é" typed as e + combining accent and as one code point compare equal in dedup;</li>
 *   <li>CRLF, CR, U+2028 and U+2029 become "\n"; other control characters (except tab) are removed;</li>
 *   <li>inside a line, runs of spaces, tabs and other horizontal spaces (NBSP, U+2000..U+200A, ...) become one
 *       space; a line's leading indentation is kept as is, since responses hold code blocks;</li>
 *   <li>trailing spaces of each line are removed; three or more newlines become two (paragraph breaks are kept);</li>
 *   <li>the text is trimmed.</li>
 * </ul>
 * The turns of a multi-turn item are normalised too. An item whose instruction or response is empty afterwards
 * is dropped.
 */
public final class TextNormalizer implements Stage {
    @Override
    public String name() {
        return "normalize";
    }

    @Override
    public String settings() {
        return "nfc=true collapse_spaces=true keep_indentation=true max_blank_lines=1";
    }

    @Override
    public Result apply(List<Example> in) {
        List<Example> kept = new ArrayList<>(in.size());
        List<Dropped> dropped = new ArrayList<>();
        for (Example e : in) {
            String instruction = e.instruction() == null ? null : normalize(e.instruction());
            String response = normalize(e.response());
            if (response.isEmpty() || (instruction != null && instruction.isEmpty())) {
                String field = response.isEmpty() ? "response" : "instruction";
                dropped.add(new Dropped(e, name(), "empty " + field + " after normalisation", "", null));
                continue;
            }
            String gold = e.goldInstruction() == null ? null : normalize(e.goldInstruction());
            List<Example.Turn> turns = new ArrayList<>(e.turns().size());
            for (Example.Turn t : e.turns()) turns.add(new Example.Turn(t.role(), normalize(t.content())));
            kept.add(new Example(e.id(), instruction, normalize(e.input()), response, gold, e.category(), e.sourceFile(), e.line(), turns,
                    e.weight()));
        }
        return new Result(kept, dropped);
    }

    /** The normalised text (see the class comment). */
    public static String normalize(String text) {
        String nfc = Normalizer.isNormalized(text, Normalizer.Form.NFC) ? text : Normalizer.normalize(text, Normalizer.Form.NFC);
        String s = nfc
                .replace("\r\n", "\n").replace('\r', '\n').replace('\u2028', '\n').replace('\u2029', '\n');
        StringBuilder out = new StringBuilder(s.length());
        boolean blankPending = false;
        for (String line : s.split("\n", -1)) {
            String cleaned = normalizeLine(line);
            if (cleaned.isEmpty()) {
                blankPending = out.length() > 0;
                continue;
            }
            if (out.length() > 0) out.append(blankPending ? "\n\n" : "\n");
            out.append(cleaned);
            blankPending = false;
        }
        return out.toString().strip();
    }

    /** One line: indentation kept, inner runs of horizontal space collapsed, trailing space and control characters removed. */
    private static String normalizeLine(String line) {
        StringBuilder out = new StringBuilder(line.length());
        boolean indent = true;
        boolean pendingSpace = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            boolean space = c == ' ' || c == '\t' || Character.getType(c) == Character.SPACE_SEPARATOR;
            if (space) {
                if (indent) out.append(c == '\t' ? '\t' : ' ');
                else pendingSpace = true;
                continue;
            }
            if (Character.isISOControl(c) || c == '\uFEFF') continue;
            if (pendingSpace) out.append(' ');
            pendingSpace = false;
            indent = false;
            out.append(c);
        }
        return indent ? "" : out.toString();
    }
}
