package dev.mutual.experiments.cli;

import picocli.CommandLine;

/**
 * Turns exceptions into one clear message and an exit code instead of a stack trace from deep inside.
 * {@link dev.mutual.data.UserInputException} (bad recipe, malformed data file, missing path) gives exit code 2; anything
 * else is a failure (exit code 1) and its cause chain is printed, still without a stack trace unless
 * {@code MUTUAL_DEBUG=1}. An Error (OutOfMemoryError included; {@link MutualCli#configure} routes it here) is one
 * line and exit code 1.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        boolean debug = "1".equals(System.getenv("MUTUAL_DEBUG"));
        if (ex instanceof CommandLine.ExecutionException && ex.getCause() instanceof Error error) {
            if (debug) error.printStackTrace(cmd.getErr());
            cmd.getErr().println("error: " + describeError(error));
            return MutualCli.EXIT_FAILURE;
        }
        if (debug) ex.printStackTrace(cmd.getErr());
        if (ex instanceof dev.mutual.data.UserInputException) {
            cmd.getErr().println("error: " + ex.getMessage());
            return MutualCli.EXIT_BAD_INPUT;
        }
        StringBuilder msg = new StringBuilder("error: ").append(describe(ex));
        for (Throwable c = ex.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            msg.append("\n  caused by: ").append(describe(c));
        }
        cmd.getErr().println(msg);
        if (!debug) cmd.getErr().println("(set MUTUAL_DEBUG=1 for a stack trace)");
        return MutualCli.EXIT_FAILURE;
    }

    /**
     * A usage error (unknown option, a value of the wrong type, a missing required option) as one line that names the
     * option and where the help is, exit code 2, instead of picocli's message followed by the whole usage text.
     */
    static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        StringBuilder line = new StringBuilder("error: ").append(ex.getMessage().replaceAll("\\s*\\R\\s*", " "));
        if (ex instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
            line.append("; did you mean ").append(String.join(" or ", unmatched.getSuggestions())).append('?');
        }
        line.append(" (see '").append(cmd.getCommandSpec().qualifiedName()).append(" --help')");
        cmd.getErr().println(line);
        return MutualCli.EXIT_BAD_INPUT;
    }

    /**
     * One line for an Error (or anything that escaped the handler): what it is, and for running out of memory what
     * to do about it. Builds little, as memory may be short.
     */
    static String describeError(Throwable t) {
        String message = t.getMessage() == null ? "" : ": " + t.getMessage().replaceAll("\\s*\\R\\s*", " ");
        if (t instanceof OutOfMemoryError) {
            return "out of memory (" + t.getClass().getSimpleName() + message + "); the heap limit is "
                    + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB: use a smaller model, batch or input, or raise the limits"
                    + " with MUTUAL_JAVA_OPTS (e.g. -Xmx8g, -Dorg.bytedeco.javacpp.maxbytes=24G)";
        }
        return t.getClass().getSimpleName() + message + " (an internal error; MUTUAL_DEBUG=1 shows the stack trace)";
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
