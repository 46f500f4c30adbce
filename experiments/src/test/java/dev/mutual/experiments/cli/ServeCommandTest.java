package dev.mutual.experiments.cli;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.*;

/** {@code mutual serve}'s refusals before it serves: each a one-line error and exit 2 (the API is OpenAiServerTest's). */
class ServeCommandTest {
    private static final String[] MODEL = {"serve", "--model", "../samples/stories260K.bin", "--tokenizer", "../samples/tok512.bin"};

    private static CliRun serve(String... more) {
        String[] args = new String[MODEL.length + more.length];
        System.arraycopy(MODEL, 0, args, 0, MODEL.length);
        System.arraycopy(more, 0, args, MODEL.length, more.length);
        return CliRun.of(args);
    }

    @Test
    void refusesBadSettingsWithOneLine() throws Exception {
        CliRun key = serve("--api-key-env", "MUTUAL_TEST_SURELY_UNSET_KEY");
        assertEquals(MutualCli.EXIT_BAD_INPUT, key.code());
        assertTrue(key.err().contains("--api-key-env MUTUAL_TEST_SURELY_UNSET_KEY"), key.err());
        CliRun batch = serve("--max-batch", "0");
        assertEquals(MutualCli.EXIT_BAD_INPUT, batch.code());
        assertTrue(batch.err().contains("--max-batch"), batch.err());
        CliRun missing = CliRun.of("serve", "--model", "no/such/model");
        assertEquals(MutualCli.EXIT_BAD_INPUT, missing.code());
        assertTrue(missing.err().contains("no/such/model"), missing.err());
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliRun busy = serve("--port", String.valueOf(taken.getLocalPort()));
            assertEquals(MutualCli.EXIT_BAD_INPUT, busy.code());
            assertTrue(busy.err().contains("--port " + taken.getLocalPort()), busy.err());
        }
    }
}
