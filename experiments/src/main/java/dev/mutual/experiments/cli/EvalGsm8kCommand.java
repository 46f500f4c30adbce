package dev.mutual.experiments.cli;

import dev.mutual.eval.reasoning.ReasoningTask;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code mutual eval gsm8k}: GSM8K chain-of-thought exact match (strict-match and flexible-extract). */
@Command(name = "gsm8k", mixinStandardHelpOptions = true,
        description = "GSM8K with 8-shot chain-of-thought prompts (Wei et al. 2022, as lm-evaluation-harness gsm8k-cot): "
                + "write the prompts, or score responses by exact match of the final number.")
final class EvalGsm8kCommand implements Callable<Integer> {
    @Mixin
    ReasoningEvalRun run;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        int shots = run.numFewshot == null ? 8 : run.numFewshot;
        return run.run(ReasoningTask.gsm8k(shots), "gsm8k/test.jsonl", spec.commandLine());
    }
}
