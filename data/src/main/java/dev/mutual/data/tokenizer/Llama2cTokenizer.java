package dev.mutual.data.tokenizer;

import dev.mutual.data.UserInputException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The llama2.c tokenizer ({@code tokenizer.bin}, {@code tok512.bin}), encoding and decoding exactly as
 * karpathy/llama2.c {@code run.c} {@code encode()} / {@code decode()} do.
 *
 * <p>File layout (llama2.c {@code tokenizer.py export()}): int32 max_token_length, then per token
 * float32 score, int32 length, that many UTF-8 bytes; all little-endian. Ids 0, 1, 2 are &lt;unk&gt;,
 * BOS ("\n&lt;s&gt;\n") and EOS ("\n&lt;/s&gt;\n"); ids 3..258 are the byte pieces "&lt;0x00&gt;".."&lt;0xFF&gt;".
 *
 * <p>Encoding (run.c): optional BOS; a dummy-prefix " " token when the text is not empty; each UTF-8
 * code point looked up as a piece, else its bytes as byte tokens (byte + 3); then repeatedly merge the adjacent
 * pair whose concatenation is the vocabulary piece with the highest score (leftmost on ties) until no pair
 * merges. {@link #encodeReference} is that loop written as in run.c (quadratic); {@link #encode(String,
 * boolean, boolean)} gives the same ids with a priority queue, which long texts need.
 */
public final class Llama2cTokenizer implements TextTokenizer {
    public static final int UNK = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;
    /** Byte b is token b + 3 (run.c: "+3 is here because the first 3 vocab elements are <unk>, <s>, </s>"). */
    private static final int BYTE_OFFSET = 3;
    /** run.c starts its best-score search at -1e10: pairs scoring at or below never merge. */
    private static final float NO_MERGE = -1e10f;
    private static final String BOS_TEXT = "<s>";
    private static final String EOS_TEXT = "</s>";

    /** Pieces as Latin-1 strings: one char per byte, so byte strings hash and concatenate cheaply. */
    private final String[] pieces;
    private final float[] scores;
    private final Map<String, Integer> idOfPiece;
    /** (left id, right id) packed in a long -> id of the piece left+right: run.c's sprintf+lookup, precomputed. */
    private final Map<Long, Integer> mergeOf;
    /** Id of each single ASCII char piece, or -1: the common case of the code-point lookup without allocating. */
    private final int[] asciiId = new int[128];
    private final int maxTokenLength;

    Llama2cTokenizer(String[] pieces, float[] scores, int maxTokenLength) {
        this.pieces = pieces;
        this.scores = scores;
        this.maxTokenLength = maxTokenLength;
        this.idOfPiece = new HashMap<>(pieces.length * 2);
        for (int id = 0; id < pieces.length; id++) {
            idOfPiece.putIfAbsent(pieces[id], id); // duplicates do not occur in llama2.c exports; first id wins
        }
        for (char c = 0; c < 128; c++) {
            asciiId[c] = idOfPiece.getOrDefault(String.valueOf(c), -1);
        }
        this.mergeOf = new HashMap<>();
        for (Map.Entry<String, Integer> e : idOfPiece.entrySet()) {
            String piece = e.getKey();
            for (int k = 1; k < piece.length(); k++) {
                Integer left = idOfPiece.get(piece.substring(0, k));
                Integer right = idOfPiece.get(piece.substring(k));
                if (left != null && right != null) {
                    mergeOf.put(pairKey(left, right), e.getValue());
                }
            }
        }
    }

    private static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Reads a llama2.c tokenizer file; every token up to the end of the file is part of the vocabulary. */
    public static Llama2cTokenizer load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read llama2.c tokenizer (" + e.getMessage() + ")", e);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4) {
            throw new UserInputException(file + ": too short for a llama2.c tokenizer (" + bytes.length
                    + " bytes, expected an int32 max_token_length header)");
        }
        int maxTokenLength = buf.getInt();
        if (maxTokenLength <= 0 || maxTokenLength > 1024) {
            throw new UserInputException(file + ": header max_token_length is " + maxTokenLength
                    + ", expected 1..1024; is this a llama2.c tokenizer.bin?");
        }
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (buf.hasRemaining()) {
            int offset = buf.position();
            int id = pieces.size();
            if (buf.remaining() < 8) {
                throw new UserInputException(file + ": token " + id + " at byte " + offset
                        + " is truncated (expected float32 score and int32 length, found " + buf.remaining() + " bytes)");
            }
            float score = buf.getFloat();
            int length = buf.getInt();
            if (length < 0 || length > maxTokenLength || length > buf.remaining()) {
                throw new UserInputException(file + ": token " + id + " at byte " + offset + " has length " + length
                        + ", expected 0.." + Math.min(maxTokenLength, buf.remaining()));
            }
            byte[] piece = new byte[length];
            buf.get(piece);
            pieces.add(new String(piece, StandardCharsets.ISO_8859_1));
            scores.add(score);
        }
        if (pieces.size() < BYTE_OFFSET + 256) {
            throw new UserInputException(file + ": only " + pieces.size() + " tokens, expected at least 259 "
                    + "(<unk>, <s>, </s> and 256 byte pieces)");
        }
        if (!pieces.contains(" ")) {
            // run.c's encode() starts every text with this piece (the dummy prefix): a vocabulary without it cannot encode.
            throw new UserInputException(file + ": no \" \" piece among its " + pieces.size() + " tokens (llama2.c encodes"
                    + " every text after this dummy-prefix piece); is the file truncated?");
        }
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        return new Llama2cTokenizer(pieces.toArray(String[]::new), s, maxTokenLength);
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        return encode(text, addSpecialTokens, false);
    }

    /** run.c {@code encode(t, text, bos, eos, ...)}: BOS and EOS are added only when asked. */
    public int[] encode(String text, boolean bos, boolean eos) {
        Symbols symbols = initialSymbols(text, 0, bos);
        mergeByScore(symbols);
        int[] ids = symbols.ids();
        if (eos) {
            ids = java.util.Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = EOS;
        }
        return ids;
    }

    /**
     * run.c's merge loop as written there: scan all adjacent pairs, merge the best, repeat. O(n^2); kept as the
     * plain reference the fast {@link #encode(String, boolean, boolean)} is tested against.
     */
    public int[] encodeReference(String text, boolean bos, boolean eos) {
        List<Integer> tokens = new ArrayList<>();
        for (int id : initialSymbols(text, 0, bos).ids()) {
            tokens.add(id);
        }
        while (true) {
            float bestScore = NO_MERGE;
            int bestId = -1;
            int bestIdx = -1;
            for (int i = 0; i < tokens.size() - 1; i++) {
                Integer id = idOfPiece.get(pieces[tokens.get(i)] + pieces[tokens.get(i + 1)]);
                if (id != null && scores[id] > bestScore) {
                    bestScore = scores[id];
                    bestId = id;
                    bestIdx = i;
                }
            }
            if (bestIdx == -1) {
                break;
            }
            tokens.set(bestIdx, bestId);
            tokens.remove(bestIdx + 1);
        }
        if (eos) {
            tokens.add(EOS);
        }
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The text "&lt;s&gt;" and "&lt;/s&gt;" become BOS and EOS (run.c never sees them: this is the chat path), and
     * each stretch of text between them is encoded as run.c would encode it alone (with its dummy prefix), the
     * way Meta's Llama-2 chat code encodes each turn separately.
     */
    @Override
    public TokenSpans encodeWithSpans(String text) {
        List<int[]> out = new ArrayList<>(); // {id, start, end}
        int pos = 0;
        while (pos <= text.length()) {
            int bos = text.indexOf(BOS_TEXT, pos);
            int eos = text.indexOf(EOS_TEXT, pos);
            int next = bos < 0 ? eos : eos < 0 ? bos : Math.min(bos, eos);
            int chunkEnd = next < 0 ? text.length() : next;
            if (chunkEnd > pos) {
                Symbols symbols = initialSymbols(text.substring(pos, chunkEnd), pos, false);
                mergeByScore(symbols);
                for (int i = symbols.head(); i >= 0; i = symbols.next[i]) {
                    out.add(new int[] {symbols.id[i], symbols.start[i], symbols.end[i]});
                }
            }
            if (next < 0) {
                break;
            }
            boolean isBos = next == bos;
            int length = isBos ? BOS_TEXT.length() : EOS_TEXT.length();
            out.add(new int[] {isBos ? BOS : EOS, next, next + length});
            pos = next + length;
        }
        int[] ids = new int[out.size()];
        int[] start = new int[out.size()];
        int[] end = new int[out.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = out.get(i)[0];
            start[i] = out.get(i)[1];
            end[i] = out.get(i)[2];
        }
        return new TokenSpans(ids, start, end);
    }

    /**
     * run.c {@code decode(prev, token)} applied along the ids: a leading space is dropped from the piece that
     * follows BOS, and "&lt;0xXX&gt;" pieces become the raw byte; bytes are joined before UTF-8 decoding so a
     * character split over byte tokens comes back whole.
     */
    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int prev = -1;
        for (int id : ids) {
            checkId(id);
            if (id == UNK || id == BOS || id == EOS) {
                if (!skipSpecialTokens) {
                    String text = id == BOS ? BOS_TEXT : id == EOS ? EOS_TEXT : pieces[UNK];
                    bytes.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
                }
                prev = id;
                continue;
            }
            String piece = pieces[id];
            int from = prev == BOS && piece.startsWith(" ") ? 1 : 0;
            int raw = rawByte(piece);
            if (raw >= 0) {
                bytes.write(raw);
            } else {
                for (int i = from; i < piece.length(); i++) {
                    bytes.write(piece.charAt(i));
                }
            }
            prev = id;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String token(int id) {
        checkId(id);
        return new String(pieces[id].getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    public float score(int id) {
        checkId(id);
        return scores[id];
    }

    public int maxTokenLength() {
        return maxTokenLength;
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public OptionalInt bosId() {
        return OptionalInt.of(BOS);
    }

    @Override
    public OptionalInt eosId() {
        return OptionalInt.of(EOS);
    }

    @Override
    public OptionalInt padId() {
        return OptionalInt.empty();
    }

    /** "&lt;s&gt;": the stored piece is "\n&lt;s&gt;\n" (llama2.c's exporter adds the newlines for printing). */
    @Override
    public Optional<String> bosToken() {
        return Optional.of(BOS_TEXT);
    }

    @Override
    public Optional<String> eosToken() {
        return Optional.of(EOS_TEXT);
    }

    @Override
    public Set<String> specialTokens() {
        return Set.of(BOS_TEXT, EOS_TEXT);
    }

    @Override
    public void close() {
    }

    private void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary 0.." + (pieces.length - 1));
        }
    }

    /** sscanf(piece, "&lt;0x%02hhX&gt;") in run.c: the byte a byte-fallback piece stands for, or -1. */
    private static int rawByte(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(piece.charAt(3), 16);
        int lo = Character.digit(piece.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /**
     * run.c before merging: [BOS], the dummy prefix " " when the text is not empty, then one token per UTF-8
     * code point, or its bytes + 3 when the code point is not a piece. Spans are offset by {@code base}.
     */
    private Symbols initialSymbols(String text, int base, boolean bos) {
        Symbols s = new Symbols(text.length() + 2 + (bos ? 1 : 0));
        if (bos) {
            s.add(BOS, base, base);
        }
        if (!text.isEmpty()) {
            Integer space = idOfPiece.get(" ");
            if (space == null) {
                throw new IllegalStateException("vocabulary has no \" \" piece for the dummy prefix");
            }
            s.add(space, base, base);
        }
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            int next = i + Character.charCount(codePoint);
            if (codePoint < 128) {
                s.add(asciiId[codePoint] >= 0 ? asciiId[codePoint] : codePoint + BYTE_OFFSET, base + i, base + next);
                i = next;
                continue;
            }
            byte[] utf8 = text.substring(i, next).getBytes(StandardCharsets.UTF_8);
            Integer id = idOfPiece.get(new String(utf8, StandardCharsets.ISO_8859_1));
            if (id != null) {
                s.add(id, base + i, base + next);
            } else {
                for (byte b : utf8) {
                    s.add((b & 0xFF) + BYTE_OFFSET, base + i, base + next);
                }
            }
            i = next;
        }
        return s;
    }

    /**
     * The run.c merge loop with a priority queue: candidates ordered by score (high first), then by position
     * (left first), which is exactly run.c's choice of "best score, first found". Stale candidates (a side
     * already merged away) are skipped when popped.
     */
    private void mergeByScore(Symbols s) {
        PriorityQueue<long[]> queue = new PriorityQueue<>((a, b) -> {
            int byScore = Float.compare(scores[(int) b[2]], scores[(int) a[2]]);
            return byScore != 0 ? byScore : Long.compare(a[0], b[0]);
        });
        for (int i = 0; i + 1 < s.size; i++) {
            offer(queue, s, i, i + 1);
        }
        while (!queue.isEmpty()) {
            long[] c = queue.poll(); // {left, right, mergedId, leftId, rightId}
            int left = (int) c[0];
            int right = (int) c[1];
            if (!s.alive[left] || !s.alive[right] || s.next[left] != right
                    || s.id[left] != c[3] || s.id[right] != c[4]) {
                continue;
            }
            s.id[left] = (int) c[2];
            s.end[left] = s.end[right];
            s.remove(right);
            if (s.prev[left] >= 0) {
                offer(queue, s, s.prev[left], left);
            }
            if (s.next[left] >= 0) {
                offer(queue, s, left, s.next[left]);
            }
        }
    }

    private void offer(PriorityQueue<long[]> queue, Symbols s, int left, int right) {
        Integer merged = mergeOf.get(pairKey(s.id[left], s.id[right]));
        if (merged != null && scores[merged] > NO_MERGE) {
            queue.add(new long[] {left, right, merged, s.id[left], s.id[right]});
        }
    }

    /** A doubly linked list of tokens with the text span each covers. */
    private static final class Symbols {
        final int[] id;
        final int[] start;
        final int[] end;
        final int[] prev;
        final int[] next;
        final boolean[] alive;
        int size;

        Symbols(int capacity) {
            int n = Math.max(capacity * 4, 4); // a code point can become 4 byte tokens
            id = new int[n];
            start = new int[n];
            end = new int[n];
            prev = new int[n];
            next = new int[n];
            alive = new boolean[n];
        }

        void add(int tokenId, int from, int to) {
            id[size] = tokenId;
            start[size] = from;
            end[size] = to;
            prev[size] = size - 1;
            next[size] = -1;
            alive[size] = true;
            if (size > 0) {
                next[size - 1] = size;
            }
            size++;
        }

        void remove(int i) {
            alive[i] = false;
            if (prev[i] >= 0) {
                next[prev[i]] = next[i];
            }
            if (next[i] >= 0) {
                prev[next[i]] = prev[i];
            }
        }

        int head() {
            return size == 0 ? -1 : 0; // the first symbol is never removed: merges keep the left one
        }

        int[] ids() {
            int count = 0;
            for (int i = head(); i >= 0; i = next[i]) {
                count++;
            }
            int[] out = new int[count];
            int k = 0;
            for (int i = head(); i >= 0; i = next[i]) {
                out[k++] = id[i];
            }
            return out;
        }
    }
}
