package dev.mutual.experiments.cli;

import dev.mutual.experiments.pipeline.PipelineStage;
import dev.mutual.experiments.pipeline.Stages;
import dev.mutual.experiments.recipe.Recipe;
import dev.mutual.experiments.recipe.RecipeWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code mutual validate RECIPE [key.path=value ...]}: checks a recipe without running anything. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check a recipe: every key, type, path and stage type, before any work.",
                "Exit code 0 when valid, 2 with one message naming file:line:column and key when not."})
final class ValidateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RecipeArguments recipeArguments;

    @Option(names = "--print", description = "print the resolved recipe (defaults filled in, paths absolute)")
    boolean print;

    @Override
    public Integer call() {
        Recipe recipe = recipeArguments.load();
        List<String> stages = new ArrayList<>();
        for (PipelineStage s : Stages.pipeline(recipe).stages()) stages.add(s.name() + " (" + s.type() + ")");
        if (print) spec.commandLine().getOut().print(RecipeWriter.toYaml(recipe));
        spec.commandLine().getOut().println("ok: " + recipeArguments.recipeFile + ": recipe '" + recipe.name() + "', " + stages.size()
                + " stage" + (stages.size() == 1 ? "" : "s") + ": " + String.join(", ", stages));
        return 0;
    }
}
