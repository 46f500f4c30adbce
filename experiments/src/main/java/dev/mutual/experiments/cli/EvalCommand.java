package dev.mutual.experiments.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mutual eval BENCHMARK ...}: one subcommand per evaluator. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate responses or a model on a benchmark.",
        subcommands = {
                EvalAlpacaCommand.class,
                EvalMtBenchCommand.class,
                EvalGsm8kCommand.class,
                EvalStrategyqaCommand.class,
                EvalLikelihoodCommand.class,
                EvalIfevalCommand.class,
        })
final class EvalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a benchmark, e.g. 'mutual eval ifeval --help'");
    }
}
