package dev.mutual.experiments.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Nd4jChatterFilterTest {
    @Test
    void dropsOnlyNd4jGradientChatterLines() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new Nd4jChatterFilter(sink), true, StandardCharsets.UTF_8);
        out.println("Added differentiated op matmul_3");
        out.print("Once upon a time");          // a partial line is passed on at flush
        out.flush();
        assertEquals("Once upon a time", sink.toString(StandardCharsets.UTF_8));
        out.println(", Lily — ünïcode");
        out.print("Added differ");              // may still become chatter: held back at flush
        out.flush();
        out.println("ent line that is not chatter");
        out.println("Added differentiated op add_11");
        out.println("Added differentiated");     // a prefix alone is ordinary text
        assertEquals("Once upon a time, Lily — ünïcode\nAdded different line that is not chatter\nAdded differentiated\n",
                sink.toString(StandardCharsets.UTF_8));
    }
}
