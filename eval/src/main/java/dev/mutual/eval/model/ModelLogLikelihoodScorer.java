package dev.mutual.eval.model;

import dev.mutual.data.Progress;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.EncodedChat;
import dev.mutual.data.chat.PairDirection;
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
import java.util.function.Function;

/**
 * {@link LogLikelihoodScorer} over the trainer's {@link Scorer}. Text is split as lm-evaluation-harness does:
 * continuation ids = encode(context + continuation) after the ids of encode(context), so the boundary token is the
 * one the model would see; if the two encodings disagree on the context, the continuation is encoded alone. An
 * empty context scores the continuation after BOS (or EOS for tokenizers without BOS, as the harness's prefix
 * token). {@link #chat} instead scores replies in the chat form a model was trained on. {@link ContinuationScore#greedy()}
 * comes from one more packed forward pass: whether each continuation token is the argmax of the row before it.
 */
public final class ModelLogLikelihoodScorer implements LogLikelihoodScorer {
    private static final Logger log = LoggerFactory.getLogger(ModelLogLikelihoodScorer.class);
    private final Decoder decoder;
    private final Function<ScoringRequest, Scorer.Request> tokenization;
    private final int batchSize;
    /** Tokens (context + continuation) scored over this scorer's life, for tokens/s figures. */
    private long scoredTokens;

    /**
     * @param startToken the prefix of an empty context: BOS, else EOS
     * @param batchSize  sequences per packed forward pass, e.g. 8; scores do not depend on it
     */
    public ModelLogLikelihoodScorer(Decoder decoder, TextTokenizer tokenizer, int startToken, int batchSize) {
        this(decoder, r -> rawText(tokenizer, startToken, r), batchSize);
    }

    private ModelLogLikelihoodScorer(Decoder decoder, Function<ScoringRequest, Scorer.Request> tokenization, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        this.decoder = decoder;
        this.tokenization = tokenization;
        this.batchSize = batchSize;
    }

    /**
     * A scorer of replies in chat form, as a chat model was trained: each request (context x, continuation y) is
     * the conversation user = x, assistant = y rendered by {@code encoder}; the continuation ids are the tokens the
     * training loss covers (the reply and its end-of-turn token), the context ids everything before them. So the
     * mean log-likelihood per token of a held-out reply is minus the training loss on it. A reply running past the
     * model's max_position_embeddings is cut from the right (as training cuts rows), with a warning.
     */
    public static ModelLogLikelihoodScorer chat(Decoder decoder, ChatEncoder encoder, int batchSize) {
        return chat(decoder, encoder, null, batchSize);
    }

    /** {@link #chat(Decoder, ChatEncoder, int)} with a system message before every conversation (null for none). */
    public static ModelLogLikelihoodScorer chat(Decoder decoder, ChatEncoder encoder, String system, int batchSize) {
        int maxPositions = decoder.config().maxPositions();
        return new ModelLogLikelihoodScorer(decoder, r -> chatReply(encoder, system, r, maxPositions), batchSize);
    }

    /** Tokens scored so far by all calls (context and continuation). */
    public long scoredTokens() {
        return scoredTokens;
    }

    /** The (context ids, continuation ids) pair scored for {@code r}. */
    public Scorer.Request tokenize(ScoringRequest r) {
        return tokenization.apply(r);
    }

    private static Scorer.Request chatReply(ChatEncoder encoder, String system, ScoringRequest r, int maxPositions) {
        EncodedChat chat = encoder.encode(PairDirection.FORWARD.conversation(system, r.context(), r.continuation()));
        int first = -1, end = -1;
        for (int i = 0; i < chat.lossMask().length; i++) {
            if (chat.lossMask()[i] == 1) {
                if (first < 0) first = i;
                end = i + 1;
            }
        }
        if (first <= 0) {
            throw new IllegalStateException("the chat template left no prompt or no reply tokens for \"" + abbreviate(r.context()) + "\"");
        }
        int[] ids = chat.ids();
        if (end > maxPositions) {
            // Too long for the model: the reply keeps its first tokens, at least half the context; a prompt longer than
            // the rest keeps its first token (BOS) and its end, nearest the reply, as lm-evaluation-harness keeps the
            // end of a long context.
            int reply = Math.min(end - first, Math.max(maxPositions - first, maxPositions / 2));
            int prompt = Math.min(first, maxPositions - reply);
            log.warn("\"{}\": {} prompt + {} reply tokens cut to {} + {} (max_position_embeddings {})",
                    abbreviate(r.context()), first, end - first, prompt, reply, maxPositions);
            int[] context = new int[prompt];
            context[0] = ids[0];
            System.arraycopy(ids, first - (prompt - 1), context, 1, prompt - 1);
            return new Scorer.Request(context, Arrays.copyOfRange(ids, first, first + reply));
        }
        return new Scorer.Request(Arrays.copyOf(ids, first), Arrays.copyOfRange(ids, first, end));
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    private static Scorer.Request rawText(TextTokenizer tokenizer, int startToken, ScoringRequest r) {
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
            scoredTokens += t.length();
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
