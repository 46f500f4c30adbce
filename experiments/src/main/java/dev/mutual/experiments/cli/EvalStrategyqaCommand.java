package dev.mutual.experiments.cli;

import dev.mutual.eval.reasoning.ReasoningTask;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code mutual eval strategyqa}: StrategyQA chain-of-thought yes/no exact match. */
@Command(name = "strategyqa", mixinStandardHelpOptions = true,
        description = "StrategyQA with 6-shot chain-of-thought prompts (Wei et al. 2022): write the prompts, or score "
                + "responses by exact match of the final yes/no. Items used as exemplars are not scored.")
final class EvalStrategyqaCommand implements Callable<Integer> {
    @Mixin
    ReasoningEvalRun run;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        int shots = run.numFewshot == null ? 6 : run.numFewshot;
        return run.run(ReasoningTask.strategyQa(shots), "strategyqa/test.jsonl", spec.commandLine());
    }
}
