package dev.mutual.experiments.recipe;

/**
 * The top-level keys a training recipe shares with a full {@link Recipe}; the rest of its top level is one
 * {@link TrainConfig}. See {@link RecipeLoader#loadTraining}.
 */
record TrainingRecipeHead(String name, @Default("0") long seed, @Default("{}") PathsConfig paths) {}
