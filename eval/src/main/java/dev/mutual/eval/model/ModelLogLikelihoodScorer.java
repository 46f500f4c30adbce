package dev.mutual.eval.model;

import dev.mutual.data.Progress;
import dev.mutual.data.UserInputException;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.eval.likelihood.ContinuationScore;
import dev.mutual.eval.likelihood.LogLikelihoodScorer;
import dev.mutual.eval.likelihood.ScoringRequest;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.inference.Scorer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link LogLikelihoodScorer} over the trainer's {@link Scorer}. Text is split as lm-evaluation-harness does:
 * continuation ids = encode(context + continuation) after the ids of encode(context), so the boundary token is the
 * one the model would see; if the two encodings disagree on the context, the continuation is encoded alone. An
 * empty context scores the continuation after BOS (or EOS for tokenizers without BOS, as the harness's prefix
 * token). {@link ContinuationScore#greedy()} comes from one more packed forward pass: whether each continuation
 * token is the argmax of the row before it.
 */
public final class ModelLogLikelihoodScorer implements LogLikelihoodScorer {
    private static final Logger log = LoggerFactory.getLogger(ModelLogLikelihoodScorer.class);
    private final Decoder decoder;
    private final TextTokenizer tokenizer;
    private final int startToken;
    private final int batchSize;

    /**
     * @param startToken the prefix of an empty context: BOS, else EOS
     * @param batchSize  sequences per packed forward pass, e.g. 8; scores do not depend on it
     */
    public ModelLogLikelihoodScorer(Decoder decoder, TextTokenizer tokenizer, int startToken, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.startToken = startToken;
        this.batchSize = batchSize;
    }

    /** The (context ids, continuation ids) pair scored for {@code r}. */
    public Scorer.Request tokenize(ScoringRequest r) {
        int[] context = tokenizer.encode(r.context(), true);
        int[] whole = tokenizer.encode(r.context() + r.continuation(), true);
        int[] continuation;
        if (whole.length > context.length && Arrays.equals(context, Arrays.copyOf(whole, context.length))) {
            continuation = Arrays.copyOfRange(whole, context.length, whole.length);
        } else {
            continuation = tokenizer.encode(r.continuation(), false); // the boundary merged across the two: encode apart
        }
        if (context.length == 0) context = new int[] {startToken};
        return new Scorer.Request(context, continuation);
    }

    @Override
    public List<ContinuationScore> score(List<ScoringRequest> requests) {
        int maxPositions = decoder.config().maxPositions(), vocab = decoder.config().vocabSize();
        List<Scorer.Request> tokenized = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            Scorer.Request t = tokenize(requests.get(i));
            if (t.length() > maxPositions) {
                throw new UserInputException("scoring request " + i + ": context + continuation is " + t.length()
                        + " tokens, over the model's max_position_embeddings " + maxPositions);
            }
            for (int id : t.prompt()) checkId(id, vocab, i);
            for (int id : t.target()) checkId(id, vocab, i);
            tokenized.add(t);
        }
        Progress progress = new Progress(log, "score", requests.size(), "requests", 5000);
        List<Scorer.Score> scores = new Scorer(decoder, batchSize).score(tokenized, progress::update);
        progress.finish();
        List<ContinuationScore> out = new ArrayList<>(requests.size());
        for (int b0 = 0; b0 < tokenized.size(); b0 += batchSize) {
            List<Scorer.Request> batch = tokenized.subList(b0, Math.min(tokenized.size(), b0 + batchSize));
            boolean[] greedy = greedy(batch);
            for (int j = 0; j < batch.size(); j++) {
                out.add(new ContinuationScore(scores.get(b0 + j).sumLogprob(), batch.get(j).target().length, greedy[j]));
            }
        }
        return out;
    }

    /** Whether every target token is the most likely token at its position (ties: the lowest id, as argmax). */
    private boolean[] greedy(List<Scorer.Request> batch) {
        List<Decoder.Chunk> chunks = new ArrayList<>();
        for (Scorer.Request r : batch) {
            int[] seq = Arrays.copyOf(r.prompt(), r.length());
            System.arraycopy(r.target(), 0, seq, r.prompt().length, r.target().length);
            chunks.add(new Decoder.Chunk(seq, decoder.newCache(seq.length)));
        }
        float[] hidden = decoder.forward(chunks);
        int vocab = decoder.config().vocabSize();
        boolean[] out = new boolean[batch.size()];
        int offset = 0;
        for (int j = 0; j < batch.size(); j++) {
            Scorer.Request r = batch.get(j);
            int first = offset + r.prompt().length - 1; // the row predicting target[0]
            boolean all = true;
            for (int i = 0; i < r.target().length && all; i++) {
                float[] logits = decoder.logits(hidden, first + i, 1);
                int best = 0;
                for (int v = 1; v < vocab; v++) if (logits[v] > logits[best]) best = v;
                all = best == r.target()[i];
            }
            out[j] = all;
            offset += r.length();
        }
        return out;
    }

    private static void checkId(int id, int vocab, int request) {
        if (id < 0 || id >= vocab) {
            throw new UserInputException("scoring request " + request + ": the tokenizer produced id " + id
                    + " but the model's vocab_size is " + vocab + " (tokenizer and model do not match?)");
        }
    }
}
