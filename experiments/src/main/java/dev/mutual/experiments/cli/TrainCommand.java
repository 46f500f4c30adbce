package dev.mutual.experiments.cli;

import dev.mutual.experiments.recipe.Recipe;
import dev.mutual.experiments.recipe.RecipeLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code mutual train --recipe FILE [key=value ...]}: one training run described by one YAML file (the keys of a
 * {@code train} stage at the top level, as torchtune's configs), run as a one-stage recipe in its run directory, so
 * it caches, logs and writes exactly what the same stage inside {@code mutual run} does.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model from a training recipe (e.g. recipes/train_tiny.yaml) in runs/<name>/<timestamp>-<hash>/train/:",
                "metrics.jsonl, training.png, model/ (and adapter/ with LoRA). Progress goes to stderr.",
                "Running the same recipe again reuses the finished model; --force trains again.",
                "An interrupted run (killed, crashed) continues from its newest checkpoint (checkpoint_every) when rerun."})
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--recipe", required = true, paramLabel = "FILE", description = "the training recipe YAML file")
    Path recipeFile;

    @Parameters(paramLabel = "key=value", arity = "0..*", description = "overrides, e.g. steps=100 lr=1e-3 lora.rank=4")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--force", description = "train again even when this recipe finished before")
    boolean force;

    @Option(names = "--resume", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"continue an interrupted run of this recipe from its newest checkpoint (the default);",
                    "--no-resume discards it and trains from step 0"})
    boolean resume;

    @Override
    public Integer call() throws IOException {
        Recipe recipe = RecipeLoader.loadTraining(recipeFile, overrides, System.getenv(), Path.of("").toAbsolutePath());
        PrintWriter out = spec.commandLine().getOut();
        String stage = RecipeLoader.TRAINING_STAGE;
        Path runDir = RunCommand.run(recipe, recipeFile, overrides, force ? Set.of(stage) : Set.of(), resume, out);
        Path dir = runDir.resolve(stage);
        out.println("model: " + dir.resolve("model"));
        if (Files.isDirectory(dir.resolve("adapter"))) out.println("adapter: " + dir.resolve("adapter"));
        out.println("metrics: " + dir.resolve("metrics.jsonl"));
        out.println("plot: " + dir.resolve("training.png"));
        return 0;
    }
}
