package dev.mutual.trainer.eager;

import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.LossAndGradients;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.engine.BucketLengths;
import dev.mutual.trainer.engine.TrainableModel;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The eager engine for batches of any length up to the longest bucket (length bucketing, see
 * {@link dev.mutual.trainer.train.LengthBuckets}): one {@link EagerDecoder} per bucket length, built when a batch of
 * that length first comes, all over the same parameter arrays and the same gradient arrays, so the optimizer updates
 * one set of weights. Only activations are per engine; their sum over power-of-two buckets stays below twice the
 * longest engine's.
 *
 * <p>Each batch is cut (or padded with weight-0 positions) to the shortest bucket that holds its used length (one
 * past the last non-zero weight of any row), which leaves a causal model's loss and gradients unchanged: a full
 * seq_len batch, e.g. a validation batch, also runs on the engine it needs.
 *
 * <p>Full fine-tuning only: there is no LoRA variant (the adapter's dropout masks are drawn per engine shape).
 * {@link #batchSize} and {@link #seqLen} report the longest shape. Not thread-safe.
 */
public final class BucketedDecoder implements TrainableModel {

    private final ModelConfig config;
    private final int batch;
    private final BucketLengths lengths;
    private final DataType type;
    private final Map<String, INDArray> weights = new LinkedHashMap<>();
    private final Map<String, INDArray> grads = new LinkedHashMap<>();
    /** Engines by bucket index, null until first needed. */
    private final EagerDecoder[] engines;

    private BucketedDecoder(ModelConfig config, Map<String, INDArray> given, int batch, BucketLengths lengths,
                            DataType type) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        this.config = config;
        this.batch = batch;
        this.lengths = lengths;
        this.type = type;
        this.engines = new EagerDecoder[lengths.lengths().length];
        for (Map.Entry<String, long[]> e : DecoderParameters.shapes(config).entrySet()) {
            INDArray w = given.get(e.getKey());
            if (w == null) {
                throw new IllegalArgumentException("missing weight '" + e.getKey() + "' (expected shape "
                        + Arrays.toString(e.getValue()) + ")");
            }
            // As EagerDecoder: a whole c-order array of the type is trained in place, anything else is copied once.
            boolean usable = w.dataType() == type && !w.isView() && w.ordering() == 'c' && w.offset() == 0;
            weights.put(e.getKey(), usable ? w : w.castTo(type).dup('c'));
            grads.put(e.getKey(), Nd4j.create(type, e.getValue()));
        }
        engine(0);   // the shortest engine checks the config, shapes and type now (and is cheap)
    }

    /**
     * The engine for fresh or loaded weights, as {@link EagerDecoder#build}: whole c-order arrays already of
     * {@code type} are used (and trained) in place, others are copied.
     */
    public static BucketedDecoder build(ModelConfig config, Map<String, INDArray> weights, int batch,
                                        BucketLengths lengths, DataType type) {
        return new BucketedDecoder(config, weights, batch, lengths, type);
    }

    /** The engine on a copy of the weights the inference engine uses. */
    public static BucketedDecoder build(DecoderWeights weights, int batch, BucketLengths lengths, DataType type) {
        return new BucketedDecoder(weights.config(), DecoderParameters.arrays(weights, type), batch, lengths, type);
    }

    /** The bucket lengths whose engines exist so far (for memory reports). */
    public int[] builtLengths() {
        int[] all = lengths.lengths();
        return java.util.stream.IntStream.range(0, all.length).filter(i -> engines[i] != null).map(i -> all[i])
                .toArray();
    }

    private EagerDecoder engine(int bucket) {
        if (engines[bucket] == null) {
            EagerDecoder e = EagerDecoder.buildSharing(config, weights, grads, batch, lengths.lengths()[bucket], type);
            for (String name : weights.keySet()) {
                if (e.parameter(name) != weights.get(name)) {
                    throw new IllegalStateException("engine for length " + lengths.lengths()[bucket]
                            + " copied parameter '" + name + "' instead of sharing it");
                }
            }
            engines[bucket] = e;
        }
        return engines[bucket];
    }

    /** The engine that fits the batch, and the batch cut or padded to its length. */
    private EagerDecoder engineFor(TokenBatch b) {
        if (b.batchSize() != batch || b.seqLen() > lengths.longest()) {
            throw new IllegalArgumentException("engine built for [" + batch + ", up to " + lengths.longest()
                    + "], batch is [" + b.batchSize() + ", " + b.seqLen() + "]");
        }
        return engine(lengths.bucketOf(BucketLengths.usedLength(b)));
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public int batchSize() {
        return batch;
    }

    @Override
    public int seqLen() {
        return lengths.longest();
    }

    @Override
    public List<String> parameterNames() {
        return List.copyOf(weights.keySet());
    }

    @Override
    public INDArray parameter(String name) {
        INDArray a = weights.get(name);
        if (a == null) throw new IllegalArgumentException("no parameter '" + name + "'");
        return a;
    }

    @Override
    public double loss(TokenBatch b) {
        EagerDecoder e = engineFor(b);
        return e.loss(BucketLengths.resize(b, e.seqLen()));
    }

    @Override
    public LossAndGradients lossAndGradients(TokenBatch b) {
        EagerDecoder e = engineFor(b);
        return e.lossAndGradients(BucketLengths.resize(b, e.seqLen()));
    }

    @Override
    public DecoderWeights toWeights() {
        return engine(0).toWeights();   // every engine reads the same arrays
    }

    @Override
    public void afterStep() {
        for (EagerDecoder e : engines) if (e != null) e.afterStep();
    }
}
