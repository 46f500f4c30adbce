package dev.mutual.experiments.cli;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Drops the "Added differentiated op NAME" lines that nd4j-api 1.0.0-M2.1 prints with a bare
 * {@code System.out.println} from {@code SameDiff.createGradFunction} (one per op, hundreds per training graph), so
 * that stdout carries only what a command means to print (e.g. {@code generate} prints only the continuation).
 * No logger setting can turn them off. Every other byte passes through unchanged, line by line.
 */
final class Nd4jChatterFilter extends FilterOutputStream {
    private static final byte[] CHATTER = "Added differentiated op ".getBytes(StandardCharsets.UTF_8);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    Nd4jChatterFilter(OutputStream out) {
        super(out);
    }

    @Override
    public synchronized void write(int b) throws IOException {
        line.write(b);
        if (b == '\n') emitLine();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        for (int i = off; i < off + len; i++) write(b[i]);
    }

    /** Passes a partial line through unless it may still become a chatter line. */
    @Override
    public synchronized void flush() throws IOException {
        if (line.size() > 0 && !mayBeChatter()) {
            line.writeTo(out);
            line.reset();
        }
        out.flush();
    }

    private void emitLine() throws IOException {
        if (!isChatter()) line.writeTo(out);
        line.reset();
    }

    private boolean isChatter() {
        byte[] b = line.toByteArray();
        if (b.length < CHATTER.length) return false;
        for (int i = 0; i < CHATTER.length; i++) if (b[i] != CHATTER[i]) return false;
        return true;
    }

    private boolean mayBeChatter() {
        byte[] b = line.toByteArray();
        int n = Math.min(b.length, CHATTER.length);
        for (int i = 0; i < n; i++) if (b[i] != CHATTER[i]) return false;
        return true;
    }
}
