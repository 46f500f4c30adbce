package dev.mutual.trainer.train;

import dev.mutual.trainer.engine.TrainableModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.UserInputException;
import dev.mutual.trainer.checkpoint.Safetensors;
import dev.mutual.trainer.model.Tensor;
import dev.mutual.trainer.model.HfConfigFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The checkpoints of one run in one folder, {@code checkpoint-N} per optimizer step N:
 * <pre>
 *   trainable.safetensors   the trainable tensors exactly (F32; HF names, or PEFT names with LoRA)
 *   optimizer.safetensors   AdamW's exp_avg.NAME and exp_avg_sq.NAME
 *   config.json             the model config (HF)
 *   state.json              {@link RunState}: step, data position, random state, validation, identity
 * </pre>
 * A checkpoint is written into {@code .tmp-checkpoint-N} and renamed into place only when complete, and an old one
 * is renamed to {@code .del-checkpoint-N} before it is deleted, so a crash (kill -9, power loss) at any moment
 * leaves only complete {@code checkpoint-N} folders and hidden leftovers, which are ignored and removed later.
 * The latest checkpoint is found by scanning step numbers; there is no pointer file to go stale.
 */
public final class RunCheckpoints {

    public static final String PARAMETERS = "trainable.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String CONFIG = "config.json";
    public static final String STATE = "state.json";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    private static final String TEMP_PREFIX = ".tmp-checkpoint-";
    private static final String DELETE_PREFIX = ".del-checkpoint-";
    private static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    public RunCheckpoints(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** The folder of step {@code step}'s checkpoint (which may not exist). */
    public Path pathOf(int step) {
        return dir.resolve("checkpoint-" + step);
    }

    /** Complete checkpoints by step, oldest first; empty when the folder does not exist. */
    public NavigableMap<Integer, Path> complete() {
        NavigableMap<Integer, Path> out = new TreeMap<>();
        for (Path p : entries()) {
            Matcher m = NAME.matcher(p.getFileName().toString());
            if (m.matches() && Files.isRegularFile(p.resolve(STATE))) out.put(Integer.parseInt(m.group(1)), p);
        }
        return out;
    }

    public Optional<Path> latest() {
        NavigableMap<Integer, Path> all = complete();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.lastEntry().getValue());
    }

    /** Removes what interrupted saves and deletions left behind. Returns how many folders it removed. */
    public int removeLeftovers() {
        int removed = 0;
        for (Path p : entries()) {
            String name = p.getFileName().toString();
            if (name.startsWith(TEMP_PREFIX) || name.startsWith(DELETE_PREFIX)) {
                deleteTree(p);
                removed++;
            }
        }
        return removed;
    }

    /** Saves the model's trainable tensors, the optimizer and {@code state} as checkpoint {@code state.step()}. */
    public Path save(TrainableModel model, AdamW adamw, RunState state) {
        removeLeftovers();
        Path target = pathOf(state.step());
        if (Files.exists(target)) throw new IllegalStateException(target + " exists already: not overwriting it");
        Path temp = dir.resolve(TEMP_PREFIX + state.step());
        try {
            Files.createDirectories(temp);
            Map<String, Tensor> params = new LinkedHashMap<>();
            for (String name : model.parameterNames()) params.put(name, tensor(name, model.parameter(name)));
            Safetensors.write(temp.resolve(PARAMETERS), params, Map.of("format", "pt"), Safetensors.DType.F32);
            Map<String, Tensor> moments = new LinkedHashMap<>();
            adamw.firstMoments().forEach((name, a) -> moments.put("exp_avg." + name, tensor(name, a)));
            adamw.secondMoments().forEach((name, a) -> moments.put("exp_avg_sq." + name, tensor(name, a)));
            Safetensors.write(temp.resolve(OPTIMIZER), moments, Map.of("format", "pt"), Safetensors.DType.F32);
            HfConfigFile.write(model.config(), temp.resolve(CONFIG));
            // Forced to disk like the tensors, so that after a power loss a renamed checkpoint is a whole one.
            byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(toJson(state));
            AtomicFile.writeChannel(temp.resolve(STATE), ch -> {
                ByteBuffer buf = ByteBuffer.wrap(json);
                while (buf.hasRemaining()) ch.write(buf);
            });
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        }
        return target;
    }

    /**
     * Deletes all but the newest {@code keepLast} complete checkpoints, sparing the one of step {@code keepStep}
     * as well (the best validation step; 0 for none).
     */
    public void prune(int keepLast, int keepStep) {
        List<Map.Entry<Integer, Path>> all = new ArrayList<>(complete().entrySet());
        for (int i = 0; i < all.size() - keepLast; i++) {
            if (all.get(i).getKey() == keepStep) continue;
            Path doomed = dir.resolve(DELETE_PREFIX + all.get(i).getKey());
            try {
                Files.move(all.get(i).getValue(), doomed, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove old checkpoint " + all.get(i).getValue() + ": "
                        + e.getMessage(), e);
            }
            deleteTree(doomed);
        }
    }

    /** Reads a checkpoint's {@code state.json}. */
    public static RunState readState(Path checkpoint) {
        Path file = checkpoint.resolve(STATE);
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UserInputException(file + ": not readable as JSON (" + e.getMessage() + ")", e);
        }
        int format = required(root, "format", file).asInt();
        if (format != FORMAT) throw new UserInputException(file + ": key 'format' is " + format + ", expected " + FORMAT);
        JsonNode random = required(root, "model_random_state", file);
        long[] randomState = new long[random.size()];
        for (int i = 0; i < randomState.length; i++) randomState[i] = random.get(i).asLong();
        JsonNode best = root.get("best_loss");
        Map<String, String> identity = new TreeMap<>();
        required(root, "identity", file).fields().forEachRemaining(e -> identity.put(e.getKey(), e.getValue().asText()));
        try {
            return new RunState(required(root, "step", file).asInt(), required(root, "micro_batches", file).asLong(),
                    randomState, required(root, "best_step", file).asInt(),
                    best == null || best.isNull() ? Double.NaN : best.asDouble(),
                    required(root, "evals_without_improvement", file).asInt(), identity);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads {@code checkpoint} into {@code model} and {@code adamw} after checking that it was written by a run
     * with this {@code identity}; returns its state.
     *
     * @throws UserInputException naming every key whose value differs, when the run differs
     */
    public static RunState load(Path checkpoint, TrainableModel model, AdamW adamw, Map<String, String> identity) {
        RunState state = readState(checkpoint);
        checkIdentity(checkpoint.resolve(STATE), state.identity(), identity);
        loadTrainable(checkpoint, model);
        Path optimizerFile = checkpoint.resolve(OPTIMIZER);
        Map<String, Tensor> moments = Safetensors.read(optimizerFile);
        Map<String, INDArray> m = new LinkedHashMap<>();
        Map<String, INDArray> v = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : adamw.firstMoments().entrySet()) {
            m.put(e.getKey(), array(optimizerFile, "exp_avg." + e.getKey(), moments.get("exp_avg." + e.getKey()),
                    e.getValue().shape()));
            v.put(e.getKey(), array(optimizerFile, "exp_avg_sq." + e.getKey(),
                    moments.get("exp_avg_sq." + e.getKey()), e.getValue().shape()));
        }
        adamw.restore(state.step(), m, v);
        m.values().forEach(INDArray::close);
        v.values().forEach(INDArray::close);
        model.restoreRandomState(state.modelRandomState());
        return state;
    }

    /**
     * Copies a checkpoint's trainable tensors into {@code model}, whatever its batch shape: to export the best
     * validation step's weights, or to evaluate a checkpoint.
     */
    public static void loadTrainable(Path checkpoint, TrainableModel model) {
        Path paramsFile = checkpoint.resolve(PARAMETERS);
        Map<String, Tensor> params = Safetensors.read(paramsFile);
        if (!params.keySet().equals(new HashSet<>(model.parameterNames()))) {
            throw new UserInputException(paramsFile + ": holds tensors " + new TreeSet<>(params.keySet())
                    + ", expected the model's trainable tensors " + new TreeSet<>(model.parameterNames()));
        }
        for (String name : model.parameterNames()) {
            INDArray live = model.parameter(name);
            try (INDArray saved = array(paramsFile, name, params.get(name), live.shape())) {
                live.assign(saved);
            }
        }
    }

    /** Refuses to continue a different run: lists every key whose value differs or is missing on one side. */
    static void checkIdentity(Path stateFile, Map<String, String> saved, Map<String, String> now) {
        List<String> diffs = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(saved.keySet());
        keys.addAll(now.keySet());
        for (String key : keys) {
            String was = saved.get(key);
            String is = now.get(key);
            if (was == null || !was.equals(is)) {
                diffs.add("'" + key + "' is " + (was == null ? "absent" : was) + " in the checkpoint but "
                        + (is == null ? "absent" : is) + " now");
            }
        }
        if (!diffs.isEmpty()) {
            throw new UserInputException(stateFile + ": cannot resume a different run: " + String.join("; ", diffs)
                    + ". Resume with the settings the run started with, or train into a new output folder");
        }
    }

    private static ObjectNode toJson(RunState s) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("step", s.step());
        root.put("micro_batches", s.microBatches());
        ArrayNode random = root.putArray("model_random_state");
        for (long x : s.modelRandomState()) random.add(x);
        root.put("best_step", s.bestStep());
        // JSON has no NaN: no validation yet is null.
        if (Double.isNaN(s.bestLoss())) root.putNull("best_loss"); else root.put("best_loss", s.bestLoss());
        root.put("evals_without_improvement", s.evalsWithoutImprovement());
        ObjectNode identity = root.putObject("identity");
        s.identity().forEach(identity::put);
        return root;
    }

    private static JsonNode required(JsonNode root, String key, Path file) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) throw new UserInputException(file + ": key '" + key + "' is missing");
        return n;
    }

    /** The exact fp32 values of {@code a}; checkpoints hold fp32 because the models train in fp32. */
    private static Tensor tensor(String name, INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("checkpoints hold fp32 tensors exactly; '" + name + "' is " + a.dataType());
        }
        int[] shape = Arrays.stream(a.shape()).mapToInt(Math::toIntExact).toArray();
        try (INDArray c = a.dup('c')) {
            return new Tensor(shape, c.data().asFloat());
        }
    }

    private static INDArray array(Path file, String name, Tensor t, long[] shape) {
        if (t == null) throw new UserInputException(file + ": tensor '" + name + "' is missing");
        long[] saved = Arrays.stream(t.shape()).asLongStream().toArray();
        if (!Arrays.equals(saved, shape)) {
            throw new UserInputException(file + ": tensor '" + name + "' has shape " + Arrays.toString(saved)
                    + ", expected " + Arrays.toString(shape));
        }
        return Nd4j.create(t.values(), shape, 'c');
    }

    private List<Path> entries() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoint folder " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root + ": " + e.getMessage(), e);
        }
    }
}
