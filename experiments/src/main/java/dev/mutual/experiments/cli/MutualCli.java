package dev.mutual.experiments.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bin/mutual}. Each subcommand is its own class in this package; register it in
 * {@code subcommands} below. Exit codes: 0 ok, 1 failure, 2 bad usage or bad input.
 */
@Command(
        name = "mutual",
        mixinStandardHelpOptions = true,
        versionProvider = MutualCli.Version.class,
        description = "Train and evaluate instruction-tuned language models with MAIN (Mutual Alignment Is Necessary).",
        subcommands = {
                RunCommand.class,
                TrainCommand.class,
                ValidateCommand.class,
                DataCommand.class,
                EvalCommand.class,
                CompareCommand.class,
                GenerateCommand.class,
                ScoreCommand.class,
                ConvertCommand.class,
                MergeCommand.class,
                BenchCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class MutualCli implements Runnable {

    /** Exit code for bad usage or bad input (a recipe error, a malformed data file). */
    public static final int EXIT_BAD_INPUT = 2;
    /** Exit code for a failure while doing the work. */
    public static final int EXIT_FAILURE = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.setOut(new java.io.PrintStream(new Nd4jChatterFilter(new java.io.FileOutputStream(java.io.FileDescriptor.out)), true,
                java.nio.charset.StandardCharsets.UTF_8));
        int code;
        try {
            code = commandLine().execute(args);
        } catch (Throwable t) { // last resort: whatever escaped picocli and the handler still ends as one line
            System.err.println("error: " + ErrorHandler.describeError(t));
            if ("1".equals(System.getenv("MUTUAL_DEBUG"))) t.printStackTrace();
            code = EXIT_FAILURE;
        }
        System.out.flush();
        System.exit(code);
    }

    /** The configured command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        return configure(new CommandLine(new MutualCli()));
    }

    /**
     * Installs the error handling on {@code cli}: picocli hands only Exceptions to an execution exception handler and
     * lets an Error (OutOfMemoryError, StackOverflowError) escape with a stack trace, so the execution strategy wraps
     * an Error into an ExecutionException for {@link ErrorHandler}.
     */
    static CommandLine configure(CommandLine cli) {
        cli.setExecutionExceptionHandler(new ErrorHandler());
        cli.setParameterExceptionHandler(ErrorHandler::usageError);
        CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
        cli.setExecutionStrategy(parsed -> {
            try {
                OptionRanges.check(parsed);
            } catch (dev.mutual.data.UserInputException e) {
                throw new CommandLine.ExecutionException(parsed.commandSpec().commandLine(), e.getMessage(), e);
            }
            try {
                return run.execute(parsed);
            } catch (Error e) {
                throw new CommandLine.ExecutionException(parsed.commandSpec().commandLine(), e.toString(), e);
            }
        });
        return cli;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = MutualCli.class.getPackage().getImplementationVersion();
            return new String[] {"mutual " + (v == null ? "dev" : v)};
        }
    }
}
