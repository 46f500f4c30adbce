package dev.mutual.experiments.serve;

import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.inference.KvCache;
import dev.mutual.trainer.inference.Sampler;
import dev.mutual.trainer.ops.Softmax;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Continuous batching over one {@link Decoder}: a single engine thread owns the decoder and advances every running
 * sequence by one token per packed forward pass; a sequence that arrives while others run is prefilled in the next
 * pass (its whole prompt packed beside the others' single tokens) and then decodes with them. Decoder rows do not
 * depend on what else is packed, and each sequence draws from its own random stream, so what a sequence gets depends
 * only on its prompt, its options and its seed, never on the batch it ran in.
 *
 * <p>The waiting queue is bounded: {@link #submit} refuses (returns false) instead of blocking, so a server can
 * answer 429 at once.
 */
public final class BatchEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchEngine.class);

    /** The k most likely tokens of one position, most likely first (natural-log probabilities). */
    public record Top(int[] ids, double[] logprobs) {}

    /** What a job reports; every call comes from the engine thread, in order. */
    public interface Listener {
        /** The prompt's token log-probs (index 0 has none: NaN) and top alternatives; only when asked. */
        default void prompt(double[] logprobs, Top[] top) {}

        /**
         * A new token (not a stop token), its log-prob under the model (before temperature) and its top alternatives
         * (null unless asked).
         *
         * @return false to end the sequence here (a stop string was seen, or nobody listens any more)
         */
        boolean token(int id, double logprob, Top top);

        /** The end: the stop token id that ended it (-1 when the length limit did); not called after token() said false. */
        void finished(int stopToken);

        /** The engine could not run this sequence. */
        void failed(RuntimeException e);
    }

    /**
     * One sequence to generate.
     *
     * @param prompt          token ids (with BOS when the model wants it), at least one
     * @param maxNewTokens    0 only computes what the prompt asks (echo logprobs)
     * @param sampler         how to pick tokens; draws from {@code seed}'s stream
     * @param topLogprobs     alternatives per generated token, -1 for no logprobs at all (0: the token's own only)
     * @param promptLogprobs  alternatives per prompt token, -1 for no prompt logprobs
     */
    public record Job(int[] prompt, int maxNewTokens, Sampler sampler, long seed, List<Integer> stopTokenIds,
                      int topLogprobs, int promptLogprobs, Listener listener) {
        public Job {
            if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
            if (maxNewTokens < 0) throw new IllegalArgumentException("maxNewTokens < 0");
            stopTokenIds = List.copyOf(stopTokenIds);
        }
    }

    /** A running sequence. */
    private static final class Slot {
        final Job job;
        final Random rng;
        final KvCache cache;
        int generated;
        int next = -1;

        Slot(Job job, KvCache cache) {
            this.job = job;
            this.rng = new Random(job.seed());
            this.cache = cache;
        }
    }

    private final Decoder decoder;
    private final int maxBatch;
    private final int queueCapacity;
    private final ArrayDeque<Job> waiting = new ArrayDeque<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile int running;
    private volatile long steps, tokens;

    /**
     * @param maxBatch      sequences decoded together at most
     * @param queueCapacity sequences waiting for a place in the batch at most
     */
    public BatchEngine(Decoder decoder, int maxBatch, int queueCapacity) {
        if (maxBatch < 1) throw new IllegalArgumentException("max batch must be >= 1, got " + maxBatch);
        if (queueCapacity < 1) throw new IllegalArgumentException("queue must be >= 1, got " + queueCapacity);
        this.decoder = decoder;
        this.maxBatch = maxBatch;
        this.queueCapacity = queueCapacity;
        this.thread = new Thread(this::loop, "mutual-serve-engine");
        thread.setDaemon(true);
        thread.start();
    }

    public Decoder decoder() {
        return decoder;
    }

    /** Queues all the jobs, or none when they do not all fit in the queue (then false: the caller answers 429). */
    public boolean submit(List<Job> jobs) {
        synchronized (waiting) {
            if (closed || waiting.size() + jobs.size() > queueCapacity) return false;
            waiting.addAll(jobs);
            waiting.notifyAll();
            return true;
        }
    }

    /** Sequences in the batch now. */
    public int running() {
        return running;
    }

    /** Sequences waiting for a place in the batch. */
    public int waiting() {
        synchronized (waiting) {
            return waiting.size();
        }
    }

    private void loop() {
        List<Slot> active = new ArrayList<>();
        while (!closed) {
            List<Job> joining = new ArrayList<>();
            try {
                synchronized (waiting) {
                    while (active.isEmpty() && waiting.isEmpty() && !closed) waiting.wait();
                    while (active.size() + joining.size() < maxBatch && !waiting.isEmpty()) joining.add(waiting.poll());
                }
            } catch (InterruptedException e) {
                break;
            }
            if (closed) {
                for (Job j : joining) j.listener().failed(new IllegalStateException("the server is shutting down"));
                break;
            }
            List<Slot> fresh = new ArrayList<>();
            try {
                for (Job j : joining) fresh.add(new Slot(j, decoder.newCache(j.prompt().length + j.maxNewTokens())));
                running = active.size() + fresh.size();
                active = step(active, fresh);
                running = active.size();
            } catch (RuntimeException e) {
                // one bad pass fails the sequences in it, never the engine
                log.error("a batch of {} sequences failed: {}", active.size() + fresh.size(), e.toString(), e);
                for (Slot s : active) fail(s, e);
                failJoining(joining, e);
                active = new ArrayList<>();
                running = 0;
            } catch (Error e) {
                log.error("engine error, failing {} sequences: {}", active.size() + fresh.size(), e.toString(), e);
                RuntimeException wrapped = new IllegalStateException(e.toString(), e);
                for (Slot s : active) fail(s, wrapped);
                failJoining(joining, wrapped);
                active = new ArrayList<>();
                running = 0;
                if (!(e instanceof OutOfMemoryError)) throw e;
            }
        }
        synchronized (waiting) {
            for (Job j : waiting) j.listener().failed(new IllegalStateException("the server is shutting down"));
            waiting.clear();
        }
        for (Slot s : active) fail(s, new IllegalStateException("the server is shutting down"));
    }

    private static void failJoining(List<Job> joining, RuntimeException e) {
        for (Job j : joining) {
            try {
                j.listener().failed(e);
            } catch (RuntimeException ignored) {
                // see fail
            }
        }
    }

    private static void fail(Slot s, RuntimeException e) {
        try {
            s.job.listener().failed(e);
        } catch (RuntimeException ignored) {
            // a listener that throws must not stop the others from hearing
        }
    }

    /** One packed pass: every running sequence's last token, every newcomer's prompt. Returns the sequences still running. */
    private List<Slot> step(List<Slot> active, List<Slot> fresh) {
        List<Decoder.Chunk> chunks = new ArrayList<>();
        List<Slot> order = new ArrayList<>();
        List<Integer> lastRow = new ArrayList<>();
        int row = 0;
        for (Slot s : active) {
            chunks.add(new Decoder.Chunk(new int[] {s.next}, s.cache));
            order.add(s);
            lastRow.add(row++);
        }
        int[] firstRow = new int[fresh.size()];
        for (int f = 0; f < fresh.size(); f++) {
            Slot s = fresh.get(f);
            chunks.add(new Decoder.Chunk(s.job.prompt(), s.cache));
            firstRow[f] = row;
            row += s.job.prompt().length;
            order.add(s);
            lastRow.add(row - 1);
        }
        float[] hidden = decoder.forward(chunks);
        for (int f = 0; f < fresh.size(); f++) {
            Slot s = fresh.get(f);
            if (s.job.promptLogprobs() >= 0) promptLogprobs(s, hidden, firstRow[f]);
        }
        // sample every sequence that still wants a token; a newcomer asking for none is finished now
        List<Slot> sampling = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            Slot s = order.get(i);
            if (s.job.maxNewTokens() == 0) {
                finish(s, -1);
                continue;
            }
            sampling.add(s);
            rows.add(lastRow.get(i));
        }
        int vocab = decoder.config().vocabSize(), d = decoder.config().hiddenSize();
        float[] packed = new float[rows.size() * d];
        for (int a = 0; a < rows.size(); a++) System.arraycopy(hidden, rows.get(a) * d, packed, a * d, d);
        float[] logits = sampling.isEmpty() ? new float[0] : decoder.logits(packed, 0, rows.size());
        int[] drawn = new int[sampling.size()];
        double[] lp = new double[sampling.size()];
        Top[] tops = new Top[sampling.size()];
        RuntimeException[] bad = new RuntimeException[sampling.size()];
        decoder.forEach(sampling.size(), (long) sampling.size() * vocab >= 1 << 16, a -> {
            Slot s = sampling.get(a);
            float[] l = Arrays.copyOfRange(logits, a * vocab, (a + 1) * vocab);
            for (int t = 0; t < vocab; t++) {
                if (!Float.isFinite(l[t])) {
                    bad[a] = new IllegalStateException("the logit of token " + t + " is " + l[t] + " after " + s.generated
                            + " new tokens; the model computes non-finite values");
                    return;
                }
            }
            double lse = s.job.topLogprobs() >= 0 ? Softmax.logSumExpF64(l, 0, vocab) : 0;
            if (s.job.topLogprobs() > 0) tops[a] = top(l, 0, vocab, lse, s.job.topLogprobs());
            float[] copy = s.job.topLogprobs() >= 0 ? l.clone() : l; // samplers may change the row in place
            drawn[a] = s.job.sampler().sample(l, s.rng);
            lp[a] = s.job.topLogprobs() >= 0 ? copy[drawn[a]] - lse : Double.NaN;
        });
        List<Slot> still = new ArrayList<>();
        for (int a = 0; a < sampling.size(); a++) {
            Slot s = sampling.get(a);
            if (bad[a] != null) {
                fail(s, bad[a]);
                continue;
            }
            int token = drawn[a];
            s.generated++;
            tokens++;
            if (s.job.stopTokenIds().contains(token)) {
                finish(s, token);
                continue;
            }
            boolean more;
            try {
                more = s.job.listener().token(token, lp[a], tops[a]);
            } catch (RuntimeException e) {
                log.warn("a listener failed: {}", e.toString());
                more = false;
            }
            if (!more) continue;
            if (s.generated >= s.job.maxNewTokens()) {
                finish(s, -1);
                continue;
            }
            s.next = token;
            still.add(s);
        }
        steps++;
        return still;
    }

    private static void finish(Slot s, int stopToken) {
        try {
            s.job.listener().finished(stopToken);
        } catch (RuntimeException e) {
            log.warn("a listener failed: {}", e.toString());
        }
    }

    /** log p of each prompt token given the ones before it (from the full logits rows, so top alternatives agree). */
    private void promptLogprobs(Slot s, float[] hidden, int firstRow) {
        int[] p = s.job.prompt();
        int vocab = decoder.config().vocabSize(), k = s.job.promptLogprobs();
        double[] lp = new double[p.length];
        Top[] top = new Top[p.length];
        lp[0] = Double.NaN;
        int block = Math.max(1, (1 << 22) / vocab); // rows of logits at a time: at most 16 MB
        for (int r0 = 0; r0 < p.length - 1; r0 += block) {
            int n = Math.min(block, p.length - 1 - r0);
            float[] logits = decoder.logits(hidden, firstRow + r0, n);
            for (int r = 0; r < n; r++) {
                double lse = Softmax.logSumExpF64(logits, r * vocab, vocab);
                int target = p[r0 + r + 1];
                lp[r0 + r + 1] = logits[r * vocab + target] - lse;
                if (k > 0) top[r0 + r + 1] = top(logits, r * vocab, vocab, lse, k);
            }
        }
        s.job.listener().prompt(lp, top);
    }

    /** The k largest logits of a row as log-probs, largest first, the lower id first on ties. */
    static Top top(float[] l, int off, int n, double lse, int k) {
        k = Math.min(k, n);
        int[] ids = new int[k];
        Arrays.fill(ids, -1);
        for (int t = 0; t < n; t++) {
            float v = l[off + t];
            int at = k;
            while (at > 0 && (ids[at - 1] < 0 || v > l[off + ids[at - 1]])) at--;
            if (at == k) continue;
            System.arraycopy(ids, at, ids, at + 1, k - at - 1);
            ids[at] = t;
        }
        double[] lps = new double[k];
        for (int i = 0; i < k; i++) lps[i] = l[off + ids[i]] - lse;
        return new Top(ids, lps);
    }

    /** Packed forward passes run so far. */
    public long passes() {
        return steps;
    }

    /** Tokens sampled so far (tokens / passes is the mean batch). */
    public long tokens() {
        return tokens;
    }

    @Override
    public void close() {
        closed = true;
        synchronized (waiting) {
            waiting.notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
