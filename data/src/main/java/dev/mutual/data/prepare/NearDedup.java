package dev.mutual.data.prepare;

import dev.mutual.data.Example;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stage 4: near-duplicate removal with MinHash + LSH over word shingles of instruction, input and response.
 * Items are taken in order; an item is dropped when an earlier kept item shares an LSH band with it (a candidate)
 * and their estimated Jaccard similarity (fraction of equal MinHash positions) is at least the threshold; the check
 * removes LSH's false positives. Otherwise it is kept and indexed. Bands and rows come from the threshold
 * ({@link LshBands#forThreshold}). An item without any word (only symbols or emoji) has no shingles: it is kept,
 * unindexed (exact dedup still catches copies of it).
 */
public final class NearDedup implements Stage {
    private final PrepareConfig.NearDedup config;
    private final MinHash minHash;
    private final LshBands bands;

    public NearDedup(PrepareConfig.NearDedup config) {
        this.config = config;
        this.minHash = new MinHash(config.numPerm(), config.shingleSize(), config.seed());
        this.bands = LshBands.forThreshold(config.threshold(), config.numPerm());
    }

    public LshBands bands() {
        return bands;
    }

    @Override
    public String name() {
        return "near_dedup";
    }

    @Override
    public String settings() {
        return "shingle_size=" + config.shingleSize() + " num_perm=" + config.numPerm() + " threshold=" + config.threshold()
                + " seed=" + config.seed() + " bands=" + bands.bands() + " rows=" + bands.rows();
    }

    @Override
    public Result apply(List<Example> in) {
        return apply(in, ParallelMap.LOCAL);
    }

    /** Signatures on {@code parallel} (the costly part), then the keep/drop decisions here, in input order. */
    @Override
    public Result apply(List<Example> in, ParallelMap parallel) {
        List<String> texts = new ArrayList<>(in.size());
        for (Example e : in) texts.add(text(e));
        List<long[]> signatures = parallel.map(name(), texts, minHash, NearDedup::signature);
        List<Map<Long, List<Integer>>> buckets = new ArrayList<>();
        for (int b = 0; b < bands.bands(); b++) buckets.add(new HashMap<>());
        List<long[]> keptSignatures = new ArrayList<>();
        List<Example> kept = new ArrayList<>(in.size());
        List<Dropped> dropped = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            Example e = in.get(i);
            long[] sig = signatures.get(i);
            if (sig == null) {
                kept.add(e);
                keptSignatures.add(null);
                continue;
            }
            long[] keys = new long[bands.bands()];
            int bestMatch = -1;
            double bestJaccard = -1;
            for (int b = 0; b < bands.bands(); b++) {
                keys[b] = bandKey(sig, b);
                for (int candidate : buckets.get(b).getOrDefault(keys[b], List.of())) {
                    double j = MinHash.estimatedJaccard(sig, keptSignatures.get(candidate));
                    if (j > bestJaccard) {
                        bestJaccard = j;
                        bestMatch = candidate;
                    }
                }
            }
            if (bestMatch >= 0 && bestJaccard >= config.threshold()) {
                dropped.add(new Dropped(e, name(), "near duplicate", String.format("of %s (estimated Jaccard %.3f)",
                        kept.get(bestMatch).id(), bestJaccard), null));
            } else {
                int index = kept.size();
                kept.add(e);
                keptSignatures.add(sig);
                for (int b = 0; b < bands.bands(); b++) buckets.get(b).computeIfAbsent(keys[b], k -> new ArrayList<>(1)).add(index);
            }
        }
        return new Result(kept, dropped);
    }

    /** The MinHash signature of a text's shingles; null for a text without words (no shingles). */
    static long[] signature(MinHash minHash, String text) {
        Set<String> shingles = minHash.shingles(text);
        return shingles.isEmpty() ? null : minHash.signature(shingles);
    }

    static String text(Example e) {
        return e.isPair() ? e.fullInstruction() + "\n" + e.response() : e.response();
    }

    private long bandKey(long[] sig, int band) {
        // A 64-bit digest of the band's rows; a collision only adds a candidate, which the Jaccard check rejects.
        long h = band;
        for (int i = band * bands.rows(); i < (band + 1) * bands.rows(); i++) h = MinHash.mix64(h * 31 + sig[i]);
        return h;
    }
}
