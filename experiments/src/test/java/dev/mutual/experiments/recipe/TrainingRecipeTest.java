package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;
import dev.mutual.trainer.lora.LoraModule;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training recipes (a train stage's keys at the top level) bind to the same records as the stage in a full recipe. */
class TrainingRecipeTest {

    static final Path TOKENIZER = Path.of("../samples/tok512.bin").toAbsolutePath().normalize();

    // Line numbers in the expected messages refer to this text (line 1 is "name: tiny").
    private static final String TRAINING = """
            name: tiny
            seed: 3
            data: data/seed.jsonl
            tokenizer: %s
            init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64}
            steps: 4
            """.formatted(TOKENIZER);

    @TempDir
    Path dir;
    Path recipe;

    @BeforeEach
    void writeData() throws IOException {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/seed.jsonl"), "{\"instruction\": \"Hi?\", \"output\": \"Hello.\"}\n");
        recipe = dir.resolve("tiny.yaml");
    }

    private Recipe load(String text, String... overrides) throws IOException {
        Files.writeString(recipe, text);
        return RecipeLoader.loadTraining(recipe, List.of(overrides), Map.of(), dir);
    }

    private String error(String text, String... overrides) {
        return assertThrows(UserInputException.class, () -> load(text, overrides)).getMessage();
    }

    @Test
    void bindsToARecipeWithOneTrainStageEqualToTheFullForm() throws IOException {
        Recipe r = load(TRAINING, "lr=1e-3", "lora=null");
        assertEquals("tiny", r.name());
        assertEquals(3, r.seed());
        assertEquals(List.of(RecipeLoader.TRAINING_STAGE), List.copyOf(r.stages().keySet()));
        TrainConfig t = (TrainConfig) r.stages().get("train");
        assertEquals(dir.resolve("data/seed.jsonl"), t.data(), "relative to the recipe's directory");
        assertEquals(1e-3, t.lr());
        assertEquals(List.of("norm", "bias", "embedding"), t.noDecay());
        assertNull(t.lora());
        assertNull(t.seed(), "the top-level seed is the recipe's; the stage defaults to it");

        // The same keys as a stage of a full recipe give equal records; so does the resolved recipe it writes.
        String full = "name: tiny\nseed: 3\nstages:\n  train:\n    type: train\n    lr: 1e-3\n"
                + TRAINING.lines().skip(2).map(l -> "    " + l + "\n").reduce("", String::concat);
        Path fullFile = Files.writeString(dir.resolve("full.yaml"), full);
        assertEquals(r, RecipeLoader.load(fullFile, List.of(), Map.of(), dir));
        Path resolved = Files.writeString(dir.resolve("resolved.yaml"), RecipeWriter.toYaml(r));
        assertEquals(r, RecipeLoader.load(resolved, List.of(), Map.of(), dir));
        // validate and run read a training recipe as well.
        assertEquals(r, RecipeLoader.load(recipe, List.of("lr=1e-3"), Map.of(), dir));
    }

    @Test
    void loraAndNoDecayKeys() throws IOException {
        Path model = Files.createDirectories(dir.resolve("base"));
        String lora = TRAINING.replace("init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64}",
                "model: base\nlora: {rank: 4, target_modules: [q_proj, v_proj]}\nno_decay: [norm, lm_head]");
        TrainConfig t = (TrainConfig) load(lora).stages().get("train");
        assertEquals(model, t.model());
        assertEquals(new LoraSettings(4, 16, 0.05, List.of("q_proj", "v_proj")), t.lora());
        assertEquals(List.of(LoraModule.Q_PROJ, LoraModule.V_PROJ), t.lora().toLoraConfig().modules());
        assertEquals(List.of("norm", "lm_head"), t.noDecay());
        // Defaults: rank 8, alpha 16, dropout 0.05 on all seven linears.
        TrainConfig d = (TrainConfig) load(lora.replace("{rank: 4, target_modules: [q_proj, v_proj]}", "{}")).stages().get("train");
        assertEquals(LoraModule.hfNames(), d.lora().targetModules());
        assertEquals(8, d.lora().rank());

        assertEquals(recipe + ":6:7: lora: target_modules: expected names from " + LoraModule.hfNames()
                + ", found 'q_prj'; did you mean 'q_proj'?", error(lora.replace("[q_proj, v_proj]", "[q_prj]")));
        assertEquals(recipe + ":6:7: lora: rank: expected >= 1, found 0", error(lora.replace("rank: 4", "rank: 0")));
        assertEquals(recipe + ":1:1: recipe: no_decay: expected groups from [norm, bias, embedding, lm_head], found "
                + "'norms'; did you mean 'norm'?", error(lora.replace("[norm, lm_head]", "[norms]")));
        assertTrue(error(TRAINING + "lora: {rank: 4}\n").endsWith("recipe: lora: expected a pretrained 'model: PATH' to "
                + "adapt, found 'init' (a random model has nothing worth freezing; train it fully, then LoRA-tune the result)"));
    }

    @Test
    void badKeysNameTheLineAndTheValidKeys() {
        String msg = error(TRAINING.replace("steps: 4", "stpes: 4"));
        assertTrue(msg.startsWith(recipe + ":6:1: unknown key 'stpes'; did you mean 'steps'? (valid keys: name, seed, "
                + "paths, data, data_stage, model, model_stage, init, direction, tokenizer, "), msg);
        assertEquals(recipe + ":1:1: recipe: missing required key 'steps' (expected integer)",
                error(TRAINING.replace("steps: 4\n", "chat_template: alpaca\n")));
        assertEquals("override 'lr=fast': lr: expected a number, found 'fast'", error(TRAINING, "lr=fast"));
        assertEquals(recipe + ":6:1: data_stage: a training recipe has no other stages to read from; give 'data: PATH' "
                + "(a prepared data.jsonl or a pair file)", error(TRAINING.replace("data: data/seed.jsonl\n", "") + "data_stage: prep\n"));
    }

    @Test
    void aFullRecipeIsNotATrainingRecipe() throws IOException {
        String full = "name: tiny\nstages:\n  prep:\n    type: prepare_data\n    sources: [{path: data/seed.jsonl}]\n";
        assertEquals(recipe + ":2:1: expected a training recipe (the train stage's keys at the top level, as in "
                + "recipes/train_tiny.yaml), found 'stages': run a recipe with stages with 'mutual run " + recipe + "'",
                error(full));
        // Neither stages nor train keys: a full recipe that lost its stages, reported as such by run and validate.
        assertEquals(recipe + ":1:1: expected a training recipe: the train stage's keys (tokenizer, steps, data, model "
                + "or init, ...) at the top level, as in recipes/train_tiny.yaml; found keys [name, stage]",
                error("name: tiny\nstage: {}\n"));
        Files.writeString(recipe, "name: tiny\nseed: 1\nstage: {}\n");
        String msg = assertThrows(UserInputException.class,
                () -> RecipeLoader.load(recipe, List.of(), Map.of(), dir)).getMessage();
        assertTrue(msg.contains("unknown key 'stage'; did you mean 'stages'?"), msg);
    }

    /** validate refuses what run could not allocate (before, hidden_size 16384 passed validate and died in run). */
    @Test
    void initSizesAreBoundedAtValidate() {
        String e = error(TRAINING, "init.hidden_size=16384", "init.heads=128");
        assertEquals(recipe + ":5:7: init: hidden_size: expected 2.." + InitConfig.MAX_WIDTH + " (a small model trained from scratch), found 16384", e);
        e = error(TRAINING, "init.hidden_size=4096", "init.heads=32", "init.kv_heads=32", "init.intermediate_size=8192", "init.layers=4");
        assertEquals(recipe + ":5:7: init: hidden_size 4096, layers 4, intermediate_size 8192 and kv_heads 32 give 671121408 weights in the"
                + " layers; a random init is for small models (at most " + InitConfig.MAX_LAYER_PARAMETERS + "): lower hidden_size,"
                + " intermediate_size or layers", e);
        e = error(TRAINING, "init.layers=100000");
        assertEquals(recipe + ":5:7: init: layers: expected 1.." + InitConfig.MAX_LAYERS + ", found 100000", e);
    }
}
