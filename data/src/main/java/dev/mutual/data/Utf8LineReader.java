package dev.mutual.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Lines of a UTF-8 input, split where {@link java.io.BufferedReader#readLine()} splits them ("\n", "\r" or "\r\n"),
 * but decoded one line at a time: a broken byte sequence is reported at its own line and byte (a decoding reader
 * decodes thousands of characters ahead, so a bad byte on line 8 used to be reported at line 1), and a line longer
 * than the limit is refused before it is held in memory.
 */
public final class Utf8LineReader implements Closeable {
    /** Longest line read by default: far above any record, far below the heap. */
    public static final int DEFAULT_MAX_LINE_BYTES = 256 << 20;

    private final InputStream in;
    private final String source;
    private final int maxLineBytes;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] buf = new byte[1 << 16];
    private int pos, limit;
    private byte[] line = new byte[1 << 12];
    private long lineNumber;
    private boolean skipLf;

    /**
     * @param source how errors name the input, e.g. the file path
     */
    public Utf8LineReader(InputStream in, String source, int maxLineBytes) {
        this.in = in;
        this.source = source;
        this.maxLineBytes = maxLineBytes;
    }

    public Utf8LineReader(InputStream in, String source) {
        this(in, source, DEFAULT_MAX_LINE_BYTES);
    }

    /** The 1-based number of the line last returned. */
    public long lineNumber() {
        return lineNumber;
    }

    /**
     * The next line without its terminator, or null at the end.
     *
     * @throws UserInputException "SOURCE:LINE: not valid UTF-8 text ..." or "SOURCE:LINE: line longer than ..."
     */
    public String readLine() throws IOException {
        int n = 0;
        boolean any = false;
        while (true) {
            if (pos == limit && !fill()) {
                if (!any) return null;
                break;
            }
            byte b = buf[pos++];
            if (skipLf) {
                skipLf = false;
                if (b == '\n') continue;
            }
            any = true;
            if (b == '\n') break;
            if (b == '\r') {
                skipLf = true;
                break;
            }
            if (n == line.length) {
                if (n >= maxLineBytes) {
                    throw new UserInputException(source + ":" + (lineNumber + 1) + ": line longer than " + maxLineBytes
                            + " bytes (expected one record per line; is this a text file?)");
                }
                line = Arrays.copyOf(line, (int) Math.min((long) n * 2, maxLineBytes));
            }
            line[n++] = b;
        }
        lineNumber++;
        try {
            return decoder.decode(ByteBuffer.wrap(line, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw new UserInputException(source + ":" + lineNumber + ": not valid UTF-8 text" + where(n) + " (expected UTF-8, found a"
                    + " malformed byte sequence; convert the file, e.g. iconv -f latin1 -t utf-8)");
        }
    }

    /** Where on the line decoding failed, found by decoding again up to each byte. */
    private String where(int n) {
        for (int i = 0; i < n; ) {
            int len = sequenceLength(line[i]);
            if (len < 0 || i + len > n) return at(i);
            try {
                decoder.reset().decode(ByteBuffer.wrap(line, i, len));
            } catch (MalformedInputException e) {
                return at(i);
            } catch (CharacterCodingException e) {
                return at(i);
            }
            i += len;
        }
        return "";
    }

    private String at(int i) {
        return String.format(Locale.ROOT, " at byte %d of the line (0x%02X)", i + 1, line[i] & 0xff);
    }

    private static int sequenceLength(byte b) {
        int u = b & 0xff;
        if (u < 0x80) return 1;
        if (u >= 0xC2 && u <= 0xDF) return 2;
        if (u >= 0xE0 && u <= 0xEF) return 3;
        if (u >= 0xF0 && u <= 0xF4) return 4;
        return -1;
    }

    private boolean fill() throws IOException {
        int r = in.read(buf, 0, buf.length);
        if (r <= 0) return false;
        pos = 0;
        limit = r;
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
