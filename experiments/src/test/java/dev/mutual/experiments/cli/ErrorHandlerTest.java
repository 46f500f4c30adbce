package dev.mutual.experiments.cli;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever a command throws ends as one line on stderr: picocli lets an Error escape its exception handler with a
 * stack trace (an OutOfMemoryError while loading a model did), so {@link MutualCli#configure} routes it there too.
 */
class ErrorHandlerTest {
    @Command(name = "throws")
    static final class Throwing implements Callable<Integer> {
        @Parameters
        String what;

        @Override
        public Integer call() {
            switch (what) {
                case "oom" -> throw new OutOfMemoryError("Java heap space");
                case "stack" -> throw new StackOverflowError();
                case "assert" -> throw new AssertionError("line one\nline two");
                case "input" -> throw new UserInputException("data.jsonl:3: bad");
                default -> {
                    return 0;
                }
            }
        }
    }

    private static CliRun run(String what) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = MutualCli.configure(new CommandLine(new Throwing()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(what);
        return new CliRun(code, out.toString(), err.toString());
    }

    @Test
    void anOutOfMemoryErrorIsOneLineAndExitOne() {
        CliRun r = run("oom");
        assertEquals(1, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: out of memory (OutOfMemoryError: Java heap space); the heap limit is "), r.err());
        assertTrue(r.err().contains("MUTUAL_JAVA_OPTS"), r.err());
    }

    @Test
    void otherErrorsAreOneLineToo() {
        CliRun stack = run("stack");
        assertEquals(1, stack.code());
        assertEquals("error: StackOverflowError (an internal error; MUTUAL_DEBUG=1 shows the stack trace)", stack.err().strip());
        CliRun multi = run("assert");
        assertEquals(1, multi.code());
        assertEquals("error: AssertionError: line one line two (an internal error; MUTUAL_DEBUG=1 shows the stack trace)", multi.err().strip());
    }

    @Test
    void badInputStillExitsTwo() {
        CliRun r = run("input");
        assertEquals(2, r.code());
        assertEquals("error: data.jsonl:3: bad", r.err().strip());
        assertEquals(0, run("fine").code());
    }
}
