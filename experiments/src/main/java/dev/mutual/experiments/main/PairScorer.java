package dev.mutual.experiments.main;

import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.EncodedChat;
import dev.mutual.data.chat.PairDirection;
import dev.mutual.experiments.model.TrainedModel;
import dev.mutual.trainer.inference.Scorer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleConsumer;
import java.util.function.IntConsumer;

/**
 * Scores instruction-response pairs (x̂, y') in both directions, as MAIN's filter and its diagnostics need them:
 * the forward model gives log p(y'|x̂) and log p(y'), the reverse model log p(x̂|y') and log p(x̂); the scores
 * come from {@link MainMethod} (forward and reverse PMI, mutual, IFD).
 *
 * <p>What is scored is exactly what training puts a loss on: the direction's conversation
 * ({@link PairDirection#conversation}) goes through the model's {@link ChatEncoder}, the target ids are the tokens
 * with loss mask 1 (the reply and its end-of-turn token) and the conditional prompt is every id before them. The
 * unconditional score is the same target ids after the model's start token ({@code LoadedModel.startToken()},
 * BOS), so the PMI compares the same tokens with and without the other side of the pair. Token counts are those
 * target ids (end-of-turn included).
 *
 * <p>Requests are deduplicated per model before scoring, so a response shared by k candidates gets log p(y') once
 * (and an instruction repeated across pairs log p(x̂) once). {@link Scorer} packs them without padding, so scores
 * do not depend on the batch size or on which pairs are scored together. One call holds all its requests (token ids)
 * in memory: score a large set in parts, as the stages do (a shard, a chunk).
 *
 * <p>Truncation, for a conversation longer than the model's {@code max_position_embeddings} P (never an error): the
 * reply keeps its first tokens, as a training row cut from the right does, and the prompt stays whole, as long as
 * that leaves the reply at least P/2 tokens; otherwise the reply keeps its first P/2 tokens (all of them when it is
 * shorter) and the prompt its first token (the start token) and its last tokens (the reply header), so that prompt +
 * reply is P tokens. The unconditional score uses the
 * same kept reply tokens, and the token count is theirs; {@link Scores#truncated()} marks such pairs.
 */
public final class PairScorer {

    /** One pair to score; {@code id} names it in errors. */
    public record Pair(String id, String instruction, String response) {}

    /**
     * A pair's log-likelihoods (natural log, summed over the target tokens) and scores.
     *
     * @param forwardLogprob     log p(y'|x̂) under the forward model
     * @param responseLogprob    log p(y') under the forward model (after the start token)
     * @param reverseLogprob     log p(x̂|y') under the reverse model
     * @param instructionLogprob log p(x̂) under the reverse model
     * @param responseTokens     |y'|: the scored reply tokens of the forward conversation
     * @param instructionTokens  |x̂|: the scored reply tokens of the reverse conversation
     * @param truncated          either conversation was cut to the model's length (see the class comment)
     * @param forwardPmi         {@link MainMethod#forwardPmi}
     * @param reversePmi         {@link MainMethod#reversePmi}
     * @param mutual             {@link MainMethod#mutual}
     * @param ifd                {@link MainMethod#ifd} (lower = better aligned)
     */
    public record Scores(double forwardLogprob, double responseLogprob, double reverseLogprob, double instructionLogprob,
                         int responseTokens, int instructionTokens, boolean truncated,
                         double forwardPmi, double reversePmi, double mutual, double ifd) {}

    /**
     * @param scores    one entry per pair, in order; null for a pair that is not {@link #scorable}
     * @param tokens    the tokens run through the two models (deduplicated requests, prompt and target)
     * @param truncated pairs cut to a model's length
     */
    public record Result(List<Scores> scores, long tokens, int truncated) {}

    private final TrainedModel forward;
    private final TrainedModel reverse;
    private final int batchSize;

    /**
     * @param forward   a model trained with direction forward
     * @param reverse   a model trained with direction reverse
     * @param batchSize requests per packed forward pass
     */
    public PairScorer(TrainedModel forward, TrainedModel reverse, int batchSize) {
        if (forward.info().direction() != PairDirection.FORWARD) {
            throw new UserInputException("the forward model was trained with direction " + forward.info().direction().recipeName()
                    + "; expected forward");
        }
        if (reverse.info().direction() != PairDirection.REVERSE) {
            throw new UserInputException("the reverse model was trained with direction " + reverse.info().direction().recipeName()
                    + "; expected reverse");
        }
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        this.forward = forward;
        this.reverse = reverse;
        this.batchSize = batchSize;
    }

    /** A pair can be scored when both texts have something in them (an empty reply has no tokens to score). */
    public static boolean scorable(Pair p) {
        return p.instruction() != null && !p.instruction().isBlank() && p.response() != null && !p.response().isBlank();
    }

    /**
     * Scores every pair.
     *
     * @param progress receives the fraction of this call's work done (0..1) after each packed batch, or null
     * @throws UserInputException naming the pair when a log-likelihood or score is NaN or infinite, or when a pair
     *                            cannot be encoded with a model's chat template
     */
    public Result score(List<Pair> pairs, DoubleConsumer progress) {
        Side fwd = new Side(forward, PairDirection.FORWARD);
        Side rev = new Side(reverse, PairDirection.REVERSE);
        int n = pairs.size();
        int[][] refs = new int[n][]; // per pair: fwd conditional, fwd unconditional, rev conditional, rev unconditional
        int[] responseTokens = new int[n], instructionTokens = new int[n];
        boolean[] truncated = new boolean[n];
        for (int i = 0; i < n; i++) {
            Pair p = pairs.get(i);
            if (!scorable(p)) continue;
            Side.Added f = fwd.add(p), r = rev.add(p);
            refs[i] = new int[] {f.conditional(), f.unconditional(), r.conditional(), r.unconditional()};
            responseTokens[i] = f.targetTokens();
            instructionTokens[i] = r.targetTokens();
            truncated[i] = f.truncated() || r.truncated();
        }
        long totalTokens = fwd.tokens + rev.tokens;
        double total = Math.max(1, fwd.requests.size() + rev.requests.size());
        List<Scorer.Score> f, r;
        int side = 0;
        try {
            f = fwd.run(batchSize, done -> {
                if (progress != null) progress.accept(done / total);
            });
            side = 2;
            r = rev.run(batchSize, done -> {
                if (progress != null) progress.accept((fwd.requests.size() + done) / total);
            });
        } catch (Scorer.NonFiniteScoreException e) {
            // name the first pair that needed the request, as requireFinite does for a score
            String[] names = {"forward_logprob", "response_logprob", "reverse_logprob", "instruction_logprob"};
            for (int i = 0; i < n; i++) {
                for (int k = side; refs[i] != null && k < side + 2; k++) {
                    if (refs[i][k] == e.request()) {
                        throw new UserInputException("pair " + pairs.get(i).id() + ": " + names[k] + " is not finite ("
                                + e.getMessage() + "); check the " + (side == 0 ? "forward" : "reverse") + " stage's model", e);
                    }
                }
            }
            throw e;
        }

        List<Scores> out = new ArrayList<>(n);
        int cut = 0;
        for (int i = 0; i < n; i++) {
            if (refs[i] == null) {
                out.add(null);
                continue;
            }
            double fl = f.get(refs[i][0]).sumLogprob(), rl = f.get(refs[i][1]).sumLogprob();
            double vl = r.get(refs[i][2]).sumLogprob(), il = r.get(refs[i][3]).sumLogprob();
            double fp = MainMethod.forwardPmi(fl, rl, responseTokens[i]);
            double rp = MainMethod.reversePmi(vl, il, instructionTokens[i]);
            Scores s = new Scores(fl, rl, vl, il, responseTokens[i], instructionTokens[i], truncated[i], fp, rp,
                    MainMethod.mutual(fp, rp), MainMethod.ifd(fl, rl));
            requireFinite(pairs.get(i), s);
            if (s.truncated()) cut++;
            out.add(s);
        }
        return new Result(out, totalTokens, cut);
    }

    private static void requireFinite(Pair p, Scores s) {
        double[] values = {s.forwardLogprob(), s.responseLogprob(), s.reverseLogprob(), s.instructionLogprob(),
                s.forwardPmi(), s.reversePmi(), s.mutual(), s.ifd()};
        String[] names = {"forward_logprob", "response_logprob", "reverse_logprob", "instruction_logprob",
                "forward_pmi", "reverse_pmi", "mutual", "ifd"};
        for (int k = 0; k < values.length; k++) {
            if (!Double.isFinite(values[k])) {
                throw new UserInputException("pair " + p.id() + ": " + names[k] + " is " + values[k] + " (log p(y'|x̂) "
                        + s.forwardLogprob() + ", log p(y') " + s.responseLogprob() + ", log p(x̂|y') " + s.reverseLogprob()
                        + ", log p(x̂) " + s.instructionLogprob() + "): a model gives non-finite log-likelihoods;"
                        + " check the forward and reverse stages' models");
            }
        }
    }

    /**
     * {prompt, target} cut to at most {@code maxPositions} ids together (see the class comment); the arrays
     * themselves when they fit. The target keeps its first tokens; a cut prompt keeps its first and last tokens.
     */
    static int[][] fit(int[] prompt, int[] target, int maxPositions) {
        if (maxPositions < 2) throw new IllegalArgumentException("max_position_embeddings " + maxPositions + " leaves no room to score");
        if (prompt.length + target.length <= maxPositions) return new int[][] {prompt, target};
        int keepTarget = Math.min(target.length, Math.max(maxPositions - prompt.length, maxPositions / 2));
        int keepPrompt = Math.min(prompt.length, maxPositions - keepTarget);
        int[] p = prompt;
        if (keepPrompt < prompt.length) {
            p = new int[keepPrompt];
            p[0] = prompt[0];
            System.arraycopy(prompt, prompt.length - (keepPrompt - 1), p, 1, keepPrompt - 1);
        }
        return new int[][] {p, Arrays.copyOf(target, keepTarget)};
    }

    /** One model's requests, deduplicated: the same (prompt, target) ids are scored once. */
    private static final class Side {
        record Added(int conditional, int unconditional, int targetTokens, boolean truncated) {}

        final TrainedModel model;
        final PairDirection direction;
        final ChatEncoder encoder;
        final int maxPositions;
        final int start;
        final List<Scorer.Request> requests = new ArrayList<>();
        final Map<String, Integer> index = new HashMap<>();
        long tokens;

        Side(TrainedModel model, PairDirection direction) {
            this.model = model;
            this.direction = direction;
            this.encoder = model.encoder();
            this.maxPositions = model.model().decoder().config().maxPositions();
            this.start = model.model().startToken();
        }

        /** The pair's conditional and unconditional requests in this direction. */
        Added add(Pair p) {
            EncodedChat chat;
            try {
                chat = encoder.encode(direction.conversation(null, p.instruction(), p.response()));
            } catch (UserInputException e) {
                throw new UserInputException("pair " + p.id() + " (" + direction.recipeName() + " model): " + e.getMessage(), e);
            }
            int first = -1, last = -1;
            for (int i = 0; i < chat.lossMask().length; i++) {
                if (chat.lossMask()[i] == 1) {
                    if (first < 0) first = i;
                    last = i;
                }
            }
            if (first < 0) {
                throw new UserInputException("pair " + p.id() + " (" + direction.recipeName() + " model): the reply has no tokens");
            }
            for (int i = first; i <= last; i++) {
                // one reply per conversation: its masked tokens are one run
                if (chat.lossMask()[i] != 1) throw new IllegalStateException("pair " + p.id() + ": gap in the reply's loss mask at token " + i);
            }
            int[] prompt = first == 0 ? new int[] {start} : Arrays.copyOf(chat.ids(), first);
            int[] target = Arrays.copyOfRange(chat.ids(), first, last + 1);
            int[][] fitted = fit(prompt, target, maxPositions);
            int[] kept = fitted[1];
            return new Added(add(fitted[0], kept), add(new int[] {start}, kept), kept.length,
                    fitted[0].length < prompt.length || kept.length < target.length);
        }

        private int add(int[] prompt, int[] target) {
            String key = Arrays.toString(prompt) + Arrays.toString(target);
            Integer at = index.get(key);
            if (at != null) return at;
            requests.add(new Scorer.Request(prompt, target));
            tokens += prompt.length + target.length;
            index.put(key, requests.size() - 1);
            return requests.size() - 1;
        }

        List<Scorer.Score> run(int batchSize, IntConsumer done) {
            return new Scorer(model.model().decoder(), batchSize).score(requests, done);
        }
    }
}
