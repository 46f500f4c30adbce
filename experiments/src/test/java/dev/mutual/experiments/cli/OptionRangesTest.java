package dev.mutual.experiments.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every numeric option of every command declares the values it accepts ({@link Range}), and the CLI refuses the
 * others with one line naming the option and exit code 2 before the command does anything (issue #13:
 * {@code data inspect -n -5} ran with exit 0).
 */
class OptionRangesTest {
    private static final Set<Class<?>> NUMERIC = Set.of(int.class, Integer.class, long.class, Long.class,
            double.class, Double.class, float.class, Float.class, short.class, Short.class);

    @Test
    void everyNumericOptionDeclaresItsRange() {
        List<String> missing = new ArrayList<>();
        int checked = walk(MutualCli.commandLine(), missing);
        assertEquals(List.of(), missing, "numeric options without @Range");
        assertTrue(checked > 40, "found only " + checked + " numeric options");
    }

    private static int walk(CommandLine cl, List<String> missing) {
        int n = 0;
        for (ArgSpec arg : cl.getCommandSpec().args()) {
            if (!NUMERIC.contains(arg.type()) || !(arg.userObject() instanceof Field field)) continue;
            n++;
            if (field.getAnnotation(Range.class) == null) {
                missing.add(cl.getCommandSpec().qualifiedName() + " " + OptionRanges.name(arg) + " (" + field + ")");
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) n += walk(sub, missing);
        return n;
    }

    @Test
    void outOfRangeNumbersAreOneLineExit2NamingTheOption() {
        Path data = Path.of("../samples/seed_dolly_open_qa.jsonl");
        CliRun inspect = CliRun.of("data", "inspect", "-n", "-5", data.toString());
        assertEquals(2, inspect.code(), inspect.err());
        assertEquals("error: -n: expected an integer >= 0, found -5\n", inspect.err());
        assertEquals("", inspect.out());
        assertEquals(0, CliRun.of("data", "inspect", "-n", "0", data.toString()).code());
        String[][] cases = {
                {"generate --model x --prompt hi --max-new-tokens 0", "--max-new-tokens: expected an integer >= 1, found 0"},
                {"generate --model x --prompt hi --temperature -1", "--temperature: expected a number >= 0, found -1.0"},
                {"generate --model x --prompt hi --top-p 0", "--top-p: expected a number in (0, 1], found 0.0"},
                {"generate --model x --prompt hi --temperature NaN", "--temperature: expected a number >= 0, found NaN"},
                {"score --model x --input y --output z --batch-size 0", "--batch-size: expected an integer >= 1, found 0"},
                {"eval gsm8k --responses x --limit -1", "--limit: expected an integer >= 1, found -1"},
                {"compare a --baseline b --output c --resamples 5", "--resamples: expected an integer >= 100, found 5"},
        };
        for (String[] c : cases) {
            CliRun r = CliRun.of(c[0].split(" "));
            assertEquals(2, r.code(), c[0] + ": " + r.err());
            assertEquals("error: " + c[1] + "\n", r.err(), c[0]);
        }
        // A usage error picocli finds itself is one line too.
        CliRun typo = CliRun.of("data", "inspect", "-n", "abc", data.toString());
        assertEquals(2, typo.code());
        assertEquals("error: Invalid value for option '-n': 'abc' is not an int (see 'mutual data inspect --help')\n",
                typo.err());
    }
}
