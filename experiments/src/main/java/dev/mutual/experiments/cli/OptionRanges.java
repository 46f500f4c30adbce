package dev.mutual.experiments.cli;

import dev.mutual.data.UserInputException;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;

import java.lang.reflect.Field;
import java.util.Locale;

/** Checks the numbers a command line gave against their fields' {@link Range}, for the command about to run. */
final class OptionRanges {
    private OptionRanges() {}

    /** @throws UserInputException naming the first option whose value is out of its range */
    static void check(CommandLine.ParseResult parsed) {
        for (CommandLine cl : parsed.asCommandLineList()) {
            for (ArgSpec arg : cl.getCommandSpec().args()) {
                if (arg.userObject() instanceof Field field && field.getAnnotation(Range.class) != null) {
                    check(arg, field.getAnnotation(Range.class));
                }
            }
        }
    }

    private static void check(ArgSpec arg, Range range) {
        Object value = arg.getValue();
        if (!(value instanceof Number n)) {
            return; // an optional Integer left unset
        }
        double v = n.doubleValue();
        boolean aboveMin = range.exclusive() ? v > range.min() : v >= range.min();
        boolean belowMax = range.exclusiveMax() ? v < range.max() : v <= range.max();
        if (aboveMin && belowMax && Double.isFinite(v)) {
            return;
        }
        throw new UserInputException(name(arg) + ": expected " + describe(range, value) + ", found " + value);
    }

    static String name(ArgSpec arg) {
        return arg instanceof CommandLine.Model.OptionSpec o ? o.longestName() : arg.paramLabel();
    }

    /** "an integer >= 1", "a number in (0, 1]", "a finite number". */
    static String describe(Range range, Object sample) {
        boolean integer = sample instanceof Integer || sample instanceof Long;
        String kind = integer ? "an integer" : "a number";
        boolean hasMin = range.min() != Double.NEGATIVE_INFINITY, hasMax = range.max() != Double.POSITIVE_INFINITY;
        if (hasMin && hasMax) {
            return kind + " in " + (range.exclusive() ? "(" : "[") + format(range.min(), integer) + ", "
                    + format(range.max(), integer) + (range.exclusiveMax() ? ")" : "]");
        }
        if (hasMin) return kind + (range.exclusive() ? " > " : " >= ") + format(range.min(), integer);
        if (hasMax) return kind + (range.exclusiveMax() ? " < " : " <= ") + format(range.max(), integer);
        return integer ? kind : "a finite number";
    }

    private static String format(double bound, boolean integer) {
        return integer || bound == Math.rint(bound) ? String.format(Locale.ROOT, "%.0f", bound) : Double.toString(bound);
    }
}
