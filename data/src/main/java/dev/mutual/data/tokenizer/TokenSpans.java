package dev.mutual.data.tokenizer;

/**
 * Token ids of a text with the span of the text each token covers: token i covers chars
 * {@code [start[i], end[i])} of the encoded Java string (UTF-16 indices). A special token written in the
 * text covers its own characters; a token the tokenizer inserted (e.g. the SentencePiece dummy prefix) may be
 * empty.
 */
public record TokenSpans(int[] ids, int[] start, int[] end) {
    public TokenSpans {
        if (ids.length != start.length || ids.length != end.length) {
            throw new IllegalArgumentException("ids, start and end differ in length: "
                    + ids.length + ", " + start.length + ", " + end.length);
        }
    }

    public int size() {
        return ids.length;
    }
}
