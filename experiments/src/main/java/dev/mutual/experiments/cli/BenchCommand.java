package dev.mutual.experiments.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mutual bench WHAT ...}: one subcommand per benchmark. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure speed: tokens/s, MFU against the measured matmul peak, peak RSS.",
        subcommands = {
                BenchGenerateCommand.class,
                BenchScoreCommand.class,
                BenchSynthesizeCommand.class,
                BenchPairsCommand.class,
                BenchTrainCommand.class,
                BenchLoraCommand.class,
                BenchSftCommand.class,
                BenchTokenizeCommand.class,
                BenchServeCommand.class,
        })
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name what to measure, e.g. 'mutual bench generate --help'");
    }
}
