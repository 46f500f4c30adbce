package dev.mutual.trainer.inference;

import dev.mutual.data.UserInputException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Log-likelihood of targets given prompts: log p(target | prompt) = sum over target tokens t_i of
 * log softmax(logits at the position before t_i)[t_i]. Sequences of a batch are packed without padding, so a
 * score does not depend on the batch it was computed in (see {@link Decoder}). Only the rows that predict target
 * tokens go through the LM head ({@link Decoder#targetLogprobs}), which never holds a [rows, vocab] logits array.
 */
public final class Scorer {
    private final Decoder decoder;
    private final int batchSize;

    /** @param batchSize sequences per packed forward pass, e.g. 8 */
    public Scorer(Decoder decoder, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        this.decoder = decoder;
        this.batchSize = batchSize;
    }

    /**
     * One pair to score. For log p(target) with no prompt (pointwise mutual information), the prompt is just BOS.
     *
     * @param prompt conditioning ids, at least one (normally starting with BOS)
     * @param target ids whose log-probability is measured, at least one
     */
    public record Request(int[] prompt, int[] target) {
        public Request {
            if (prompt.length == 0) throw new IllegalArgumentException("prompt needs at least one token (BOS for an unconditional score)");
            if (target.length == 0) throw new IllegalArgumentException("target needs at least one token");
        }

        public int length() {
            return prompt.length + target.length;
        }
    }

    /**
     * @param sumLogprob     log p(target | prompt), natural log
     * @param meanLogprob    sumLogprob / number of target tokens
     * @param tokenLogprobs  log p of each target token, in order
     */
    public record Score(double sumLogprob, double meanLogprob, double[] tokenLogprobs) {}

    /**
     * A log-probability that is NaN or infinite: the model computes non-finite values (NaN or infinite weights, or
     * activations beyond fp32), and a NaN score must never reach a file, a filter or a report.
     */
    public static final class NonFiniteScoreException extends UserInputException {
        private final int request;

        NonFiniteScoreException(int request, int token, int id, double value) {
            super("request " + request + ": log p of target token " + token + " (id " + id + ") is " + value + "; the model computes"
                    + " non-finite values (NaN or infinite weights, or activations beyond fp32), so no score can be trusted");
            this.request = request;
        }

        /** Index of the request (in the list given to {@link #score(List, IntConsumer)}) whose score is not finite. */
        public int request() {
            return request;
        }
    }

    /** Scores every request, in order; {@code progress} receives the number of requests done after each batch. */
    public List<Score> score(List<Request> requests, IntConsumer progress) {
        List<Score> out = new ArrayList<>(requests.size());
        for (int b0 = 0; b0 < requests.size(); b0 += batchSize) {
            List<Request> batch = requests.subList(b0, Math.min(requests.size(), b0 + batchSize));
            out.addAll(scoreBatch(batch, b0));
            if (progress != null) progress.accept(out.size());
        }
        return out;
    }

    /** Scores one request. */
    public Score score(Request r) {
        return scoreBatch(List.of(r), 0).get(0);
    }

    /** @param index0 the index of batch.get(0) among all requests, for messages */
    private List<Score> scoreBatch(List<Request> batch, int index0) {
        List<Decoder.Chunk> chunks = new ArrayList<>();
        for (Request r : batch) {
            if (r.length() > decoder.config().maxPositions()) {
                throw new IllegalArgumentException("prompt + target is " + r.length() + " tokens, over max_position_embeddings "
                        + decoder.config().maxPositions());
            }
            int[] seq = new int[r.length()];
            System.arraycopy(r.prompt(), 0, seq, 0, r.prompt().length);
            System.arraycopy(r.target(), 0, seq, r.prompt().length, r.target().length);
            chunks.add(new Decoder.Chunk(seq, decoder.newCache(seq.length)));
        }
        float[] hidden = decoder.forward(chunks);
        // every row that predicts a target token, across the whole batch, in one LM-head pass
        int total = 0;
        for (Request r : batch) total += r.target().length;
        int[] rows = new int[total], targets = new int[total];
        int offset = 0, j = 0;
        for (Request r : batch) {
            int first = offset + r.prompt().length - 1; // the row predicting target[0]
            for (int i = 0; i < r.target().length; i++, j++) {
                rows[j] = first + i;
                targets[j] = r.target()[i];
            }
            offset += r.length();
        }
        double[] all = decoder.targetLogprobs(hidden, rows, targets);
        List<Score> scores = new ArrayList<>();
        j = 0;
        for (int k = 0; k < batch.size(); k++) {
            Request r = batch.get(k);
            double[] lp = java.util.Arrays.copyOfRange(all, j, j + r.target().length);
            j += lp.length;
            double sum = 0;
            for (int i = 0; i < lp.length; i++) {
                if (!Double.isFinite(lp[i])) throw new NonFiniteScoreException(index0 + k, i, r.target()[i], lp[i]);
                sum += lp[i];
            }
            scores.add(new Score(sum, sum / lp.length, lp));
        }
        return scores;
    }
}
