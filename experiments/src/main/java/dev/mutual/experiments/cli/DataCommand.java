package dev.mutual.experiments.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mutual data ACTION ...}: prepare, inspect. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Prepare and inspect datasets.",
        subcommands = {
                DataPrepareCommand.class,
                DataInspectCommand.class,
        })
final class DataCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name an action: prepare or inspect");
    }
}
