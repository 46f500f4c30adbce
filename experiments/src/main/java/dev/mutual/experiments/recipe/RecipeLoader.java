package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Reads a recipe file into a {@link Recipe}: parse YAML with locations, apply {@code key.path=value}
 * overrides, interpolate {@code ${VAR}} / {@code ${VAR:-default}}, then bind strictly to records. Any problem is
 * one {@link UserInputException} thrown before any work starts. Relative paths in the file resolve against
 * the file's directory; relative paths in overrides against {@code cwd}.
 */
public final class RecipeLoader {

    private RecipeLoader() {}

    /**
     * @param file      the recipe; error messages name it as given
     * @param overrides {@code key.path=value} strings, applied in order
     * @param env       the environment for interpolation (normally {@code System.getenv()})
     * @param cwd       the directory relative override paths resolve against
     */
    public static Recipe load(Path file, List<String> overrides, Map<String, String> env, Path cwd) {
        String text;
        try {
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
        for (String override : overrides) Overrides.apply(map, override, cwd.toAbsolutePath().normalize());
        Interpolation.apply(map, "", env);
        return RecordBinder.bindRecord(map, Recipe.class);
    }
}
