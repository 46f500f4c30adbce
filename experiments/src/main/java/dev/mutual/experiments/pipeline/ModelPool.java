package dev.mutual.experiments.pipeline;

import dev.mutual.experiments.model.TrainedModel;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Opened models by stage folder, lent to one shard at a time. A model is opened only when every copy of it is
 * lent out, so a JVM opens as many copies as it runs shards at once (one for the local runner, one per task slot
 * of a Spark executor) and reuses them for every later shard. {@link #SHARED} is the pool of the whole JVM: Spark
 * tasks use it, so an executor loads each model once and keeps it until the JVM ends.
 */
public final class ModelPool implements AutoCloseable {

    /** The JVM-wide pool (Spark executors); never closed: the models live as long as the executor. */
    public static final ModelPool SHARED = new ModelPool();

    private final Map<Path, Deque<TrainedModel>> idle = new HashMap<>();
    private final List<TrainedModel> opened = new ArrayList<>();

    /** A model of the train stage folder {@code stageDir} for the caller alone until {@link #release}. */
    public synchronized TrainedModel borrow(Path stageDir) {
        Path key = stageDir.toAbsolutePath().normalize();
        Deque<TrainedModel> free = idle.get(key);
        if (free != null && !free.isEmpty()) return free.pop();
        TrainedModel model = TrainedModel.open(key);
        opened.add(model);
        return model;
    }

    public synchronized void release(Path stageDir, TrainedModel model) {
        idle.computeIfAbsent(stageDir.toAbsolutePath().normalize(), k -> new ArrayDeque<>()).push(model);
    }

    /** How many models this pool has opened (a test checks that executors reuse them). */
    public synchronized int opened() {
        return opened.size();
    }

    @Override
    public synchronized void close() {
        for (TrainedModel m : opened) m.close();
        opened.clear();
        idle.clear();
    }
}
