package dev.mutual.experiments.cli;

import dev.mutual.data.UserInputException;
import dev.mutual.data.hub.HubClient;
import dev.mutual.data.hub.HubPath;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.nio.file.Path;
import java.util.Map;

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
                ServeCommand.class,
                TokenizeCommand.class,
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
        return commandLine(System.getenv());
    }

    /** The command line with {@code env} configuring hf:// paths (HF_HOME, HF_TOKEN, HF_ENDPOINT, HF_HUB_OFFLINE). */
    public static CommandLine commandLine(Map<String, String> env) {
        CommandLine cli = configure(new CommandLine(new MutualCli()));
        // Every path option also takes hf://ORG/NAME[@REV][/FILE] and hf://datasets/ORG/NAME[@REV]/FILE: one converter
        // for all of them, so no command has to know. The client is built on first use: plain paths never need it.
        HubClient[] hub = new HubClient[1];
        cli.registerConverter(Path.class, text -> {
            if (!HubPath.isHubPath(text)) return Path.of(text);
            if (hub[0] == null) hub[0] = HubClient.fromEnvironment(env);
            return hub[0].resolve(text);
        });
        CommandLine.IParameterExceptionHandler usual = cli.getParameterExceptionHandler();
        cli.setParameterExceptionHandler((ex, args) -> parameterError(ex, args, usual));
        return cli;
    }

    /**
     * An option value that failed in its converter with a clear message of its own (an hf:// path that could not be
     * had: not found, no access, offline) is one line naming the option, without the usage text; anything else gets
     * picocli's usual answer.
     */
    private static int parameterError(CommandLine.ParameterException ex, String[] args, CommandLine.IParameterExceptionHandler usual)
            throws Exception {
        Throwable cause = ex.getCause();
        if (cause instanceof UserInputException || cause instanceof java.io.UncheckedIOException) {
            String option = ex.getArgSpec() instanceof CommandLine.Model.OptionSpec o ? o.longestName() + " " : "";
            ex.getCommandLine().getErr().println("error: " + option + cause.getMessage());
            return cause instanceof UserInputException ? EXIT_BAD_INPUT : EXIT_FAILURE;
        }
        return usual.handleParseException(ex, args);
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
