package dev.mutual.data.prepare;

import dev.mutual.data.Example;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.mutual.data.prepare.TextNormalizer.normalize;
import static org.junit.jupiter.api.Assertions.assertEquals;

class TextNormalizerTest {
    @Test
    void composesToNfc() {
        assertEquals("caf\u00e9", normalize("cafe\u0301"));
        assertEquals(4, normalize("cafe\u0301").length());
    }

    @Test
    void collapsesSpacesInsideLinesAndTrims() {
        assertEquals("a b c", normalize("  a  \t b\u00a0\u00a0c \t"));
        assertEquals("trailing\nnext", normalize("trailing   \nnext"));
        assertEquals("a\u3000b".replace('\u3000', ' '), normalize("a\u3000\u2009b"));
    }

    @Test
    void normalisesNewlinesAndKeepsOneBlankLineBetweenParagraphs() {
        assertEquals("one\ntwo\nthree\nfour", normalize("one\r\ntwo\rthree\u2028four"));
        assertEquals("p1\n\np2", normalize("p1\n\n\n\n p2".replace(" p2", "p2")));
        assertEquals("a\n\nb", normalize("a\n  \t \nb"));
        assertEquals("a", normalize("\n\n a \n\n"));
    }

    @Test
    void keepsIndentationOfCodeAndDropsControlCharacters() {
        assertEquals("def f():\n    return 1\n\tpass", normalize("def f():\n    return  1\n\tpass"));
        assertEquals("ab", normalize("a\u0000\u0007\ufeffb"));
    }

    @Test
    void stageRewritesEveryFieldAndDropsWhatBecomesEmpty() {
        Example pair = Example.pair("p", " Why  so? ", "ctx\r\n", "Because.\n\n\n", null, "f", 1);
        Example blank = Example.unlabelled("u", " \u00a0\n\t ", null, "f", 2);
        Example pool = Example.unlabelled("g", "text", "  gold  instr ", "f", 3);
        Example chat = new Example("c", "Q1", "", "A1", null, null, "f", 4, List.of(new Example.Turn("user", "Q1"),
                new Example.Turn("assistant", "A1"), new Example.Turn("user", " Q2\r\n\r\n\r\nmore "), new Example.Turn("assistant", "A2")));
        Stage.Result r = new TextNormalizer().apply(List.of(pair, blank, pool, chat));
        assertEquals(3, r.kept().size());
        assertEquals("Q2\n\nmore", r.kept().get(2).turns().get(2).content());
        assertEquals("Why so?", r.kept().get(0).instruction());
        assertEquals("ctx", r.kept().get(0).input());
        assertEquals("Because.", r.kept().get(0).response());
        assertEquals("gold instr", r.kept().get(1).goldInstruction());
        assertEquals("u", r.dropped().get(0).example().id());
        assertEquals("empty response after normalisation", r.dropped().get(0).reason());
    }
}
