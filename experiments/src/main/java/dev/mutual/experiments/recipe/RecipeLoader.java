package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;
import dev.mutual.data.hub.HubClient;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a recipe file into a {@link Recipe}: parse YAML with locations, apply {@code key.path=value}
 * overrides, interpolate {@code ${VAR}} / {@code ${VAR:-default}}, then bind strictly to records. Any problem is
 * one {@link UserInputException} thrown before any work starts. Relative paths in the file resolve against
 * the file's directory; relative paths in overrides against {@code cwd}.
 *
 * <p>A file without {@code stages} is a <b>training recipe</b> (torchtune's one-file-per-run configs): the keys of
 * a {@code train} stage at the top level beside {@code name}, {@code seed} and {@code paths}. It reads as a recipe
 * with that one stage, named {@value #TRAINING_STAGE}, so {@code mutual train --recipe}, {@code run} and
 * {@code validate} treat it exactly as the same stage inside a full recipe.
 */
public final class RecipeLoader {

    /** The name of a training recipe's one stage (its folder in the run directory). */
    public static final String TRAINING_STAGE = "train";

    private RecipeLoader() {}

    /** A training recipe only: a file with {@code stages} is refused, naming the command that runs it. */
    public static Recipe loadTraining(Path file, List<String> overrides, Map<String, String> env, Path cwd) {
        RecipeNode.Mapping map = parse(file);
        RecipeNode.Entry stages = map.entries().get("stages");
        if (stages != null) {
            throw new UserInputException(stages.keyAt() + ": expected a training recipe (the train stage's keys at the"
                    + " top level, as in recipes/train_tiny.yaml), found 'stages': run a recipe with stages with"
                    + " 'mutual run " + file + "'");
        }
        if (!isTraining(map)) {
            throw new UserInputException(map.at() + ": expected a training recipe: the train stage's keys (tokenizer, "
                    + "steps, data, model or init, ...) at the top level, as in recipes/train_tiny.yaml; found keys "
                    + map.entries().keySet());
        }
        return bind(map, overrides, env, cwd);
    }

    /**
     * @param file      the recipe; error messages name it as given
     * @param overrides {@code key.path=value} strings, applied in order
     * @param env       the environment for interpolation and for hf:// paths (HF_HOME, HF_TOKEN, HF_ENDPOINT,
     *                  HF_HUB_OFFLINE; normally {@code System.getenv()})
     * @param cwd       the directory relative override paths resolve against
     */
    public static Recipe load(Path file, List<String> overrides, Map<String, String> env, Path cwd) {
        return bind(parse(file), overrides, env, cwd);
    }

    /** How deep {@code extends} may chain (a recipe extending one that extends another ...). */
    static final int MAX_EXTENDS = 8;

    private static RecipeNode.Mapping parse(Path file) {
        return parse(file, new ArrayList<>());
    }

    /**
     * Reads a recipe file; {@code extends: OTHER.yaml} (relative to this file) starts from that recipe: its mappings
     * are merged key by key with this file's (recursively; this file wins), any other value of this file replaces
     * the other's, and each value keeps the file it was written in (so its relative paths and error locations).
     */
    private static RecipeNode.Mapping parse(Path file, List<Path> chain) {
        RecipeNode.Mapping map = parseOne(file);
        RecipeNode.Entry ext = map.entries().remove("extends");
        if (ext == null) return map;
        if (!(ext.value() instanceof RecipeNode.Scalar s) || s.isNull() || s.text().isBlank()) {
            throw new UserInputException(ext.keyAt() + ": extends: expected the path of the recipe this one starts from, found "
                    + RecipeNode.describe(ext.value()));
        }
        Path parent = file.toAbsolutePath().normalize().getParent().resolve(s.text()).normalize();
        chain.add(file.toAbsolutePath().normalize());
        if (chain.contains(parent)) throw new UserInputException(ext.keyAt() + ": extends: " + s.text() + " leads back to " + parent + " (a cycle)");
        if (chain.size() > MAX_EXTENDS) throw new UserInputException(ext.keyAt() + ": extends: more than " + MAX_EXTENDS + " recipes deep");
        if (!Files.isRegularFile(parent)) throw new UserInputException(ext.keyAt() + ": extends: no such recipe " + parent);
        RecipeNode.Mapping base = parse(parent, chain);
        merge(base, map);
        return base;
    }

    /** Merges {@code over} into {@code base}: mappings key by key, recursively; any other value replaces. */
    private static void merge(RecipeNode.Mapping base, RecipeNode.Mapping over) {
        over.entries().forEach((key, e) -> {
            RecipeNode.Entry b = base.entries().get(key);
            if (b != null && b.value() instanceof RecipeNode.Mapping bm && e.value() instanceof RecipeNode.Mapping om) merge(bm, om);
            else base.entries().put(key, e);
        });
    }

    private static RecipeNode.Mapping parseOne(Path file) {
        String text;
        try {
            // Measured before reading: a multi-GB "recipe" must not be read into memory to be refused.
            if (Files.isRegularFile(file) && Files.size(file) > 4L * YamlTree.MAX_CHARS) {
                throw new UserInputException("recipe " + file + ": too long for a recipe (expected at most " + YamlTree.MAX_CHARS
                        + " characters, found a file of " + Files.size(file) + " bytes)");
            }
            if (Files.isDirectory(file)) throw new UserInputException("recipe " + file + ": is a directory (expected a YAML file)");
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserInputException("recipe " + file + ": no such file");
        } catch (MalformedInputException e) {
            throw new UserInputException("recipe " + file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UserInputException("recipe " + file + ": cannot read: " + e.getMessage(), e);
        }
        Path baseDir = file.toAbsolutePath().normalize().getParent();
        RecipeNode root = YamlTree.parse(text, file.toString(), baseDir);
        if (!(root instanceof RecipeNode.Mapping map)) {
            throw new UserInputException(root.at() + ": expected a mapping with keys name, seed, paths, stages; found "
                    + RecipeNode.describe(root));
        }
        return map;
    }

    private static Recipe bind(RecipeNode.Mapping map, List<String> overrides, Map<String, String> env, Path cwd) {
        // Decided on the file as written, so an override cannot turn one kind into the other. A file with neither
        // stages nor any train key is a full recipe missing its stages, and is reported as such.
        boolean training = isTraining(map);
        for (String override : overrides) Overrides.apply(map, override, cwd.toAbsolutePath().normalize());
        Interpolation.apply(map, "", env);
        HubClient hub = HubClient.fromEnvironment(env);
        if (!training) {
            MainBlock.expand(map, hub);
            return RecordBinder.bindRecord(map, Recipe.class, hub);
        }

        // 'seed' is the recipe's (the stage's own seed stays null and defaults to it), as in the full form.
        LinkedHashMap<String, RecipeNode.Entry> stageEntries = new LinkedHashMap<>(map.entries());
        stageEntries.remove("seed");
        TrainConfig train = RecordBinder.bindRecord(new RecipeNode.Mapping(stageEntries, map.at()), TrainConfig.class,
                keysOf(TrainingRecipeHead.class), hub);
        TrainingRecipeHead head = RecordBinder.bindRecord(map, TrainingRecipeHead.class, keysOf(TrainConfig.class), hub);
        if (train.dataStage() != null) {
            throw new UserInputException(map.entries().get("data_stage").keyAt() + ": data_stage: a training recipe has"
                    + " no other stages to read from; give 'data: PATH' (a prepared data.jsonl or a pair file)");
        }
        try {
            return new Recipe(head.name(), head.seed(), head.paths(), "local", new SparkSettings(null), Map.of(TRAINING_STAGE, train));
        } catch (IllegalArgumentException e) {
            throw new UserInputException(map.at() + ": recipe: " + e.getMessage());
        }
    }

    private static boolean isTraining(RecipeNode.Mapping map) {
        if (map.entries().containsKey("stages")) return false;
        Set<String> trainKeys = keysOf(TrainConfig.class);
        trainKeys.removeAll(keysOf(TrainingRecipeHead.class));   // 'seed' alone says nothing
        return map.entries().keySet().stream().anyMatch(trainKeys::contains);
    }

    private static Set<String> keysOf(Class<?> record) {
        Set<String> keys = new LinkedHashSet<>();
        for (RecordComponent rc : record.getRecordComponents()) keys.add(RecordBinder.snake(rc.getName()));
        return keys;
    }
}
