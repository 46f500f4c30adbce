package dev.mutual.experiments.main;

import dev.mutual.data.Example;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.chat.PairDirection;
import dev.mutual.data.read.DataReader;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.eval.model.LoadedModel;
import dev.mutual.experiments.model.TrainedModel;
import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.train.SftBatches;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PairScorer} on a forward and a reverse model trained in the test ({@link TinyMainModels}): its
 * log-likelihoods against the SameDiff training graph's loss on the same pairs, batch independence, the formulas,
 * deduplication, truncation, bad input, and a real signal (matched seed pairs score above shuffled ones).
 */
class PairScorerTest {

    static TrainedModel forward;
    static TrainedModel reverse;
    static List<Example> seed;

    @BeforeAll
    static void models() throws IOException {
        Path run = TinyMainModels.models();
        forward = TrainedModel.open(run.resolve("forward"));
        reverse = TrainedModel.open(run.resolve("reverse"));
        seed = DataReader.read(run.resolve("seed/data.jsonl"), DataReader.Options.defaults()).examples();
    }

    @AfterAll
    static void close() {
        forward.close();
        reverse.close();
    }

    private static List<PairScorer.Pair> pairs(List<Example> examples) {
        List<PairScorer.Pair> out = new ArrayList<>();
        for (Example e : examples) out.add(new PairScorer.Pair(e.id(), e.fullInstruction(), e.response()));
        return out;
    }

    /** The shortest seed examples, so that their training rows fit in one 256-token graph row. */
    private static List<Example> shortExamples(int n) {
        List<Example> sorted = new ArrayList<>(seed);
        sorted.sort((a, b) -> Integer.compare(a.fullInstruction().length() + a.response().length(),
                b.fullInstruction().length() + b.response().length()));
        return sorted.subList(0, n);
    }

    /**
     * Each log-likelihood is minus the training loss of the same tokens, from the SameDiff graph in double: the
     * forward row of the pair as SftBatches builds it for training, the reverse row of the swapped pair, and the
     * rows [start token] + the reply tokens training masks. So the scorer scores exactly what training learns.
     */
    @Test
    void logprobsEqualMinusTheTrainingGraphsLossOnTheSameTokens() {
        List<Example> examples = shortExamples(4);
        List<PairScorer.Scores> scores = new PairScorer(forward, reverse, 3).score(pairs(examples), null).scores();
        int seqLen = 256;
        DecoderGraph fwdGraph = DecoderGraph.build(forward.model().weights(), 1, seqLen, DataType.DOUBLE);
        DecoderGraph revGraph = DecoderGraph.build(reverse.model().weights(), 1, seqLen, DataType.DOUBLE);
        double maxDiff = 0;
        for (int i = 0; i < examples.size(); i++) {
            PairScorer.Scores s = scores.get(i);
            double[] fwd = graphLogprobs(fwdGraph, forward, examples.get(i), seqLen);
            double[] rev = graphLogprobs(revGraph, reverse, PairDirection.REVERSE.apply(examples.get(i)), seqLen);
            assertEquals((int) fwd[2], s.responseTokens(), "response tokens = the reply tokens training masks");
            assertEquals((int) rev[2], s.instructionTokens(), "instruction tokens = the reverse reply tokens training masks");
            double[] expected = {fwd[0], fwd[1], rev[0], rev[1]};
            double[] got = {s.forwardLogprob(), s.responseLogprob(), s.reverseLogprob(), s.instructionLogprob()};
            for (int k = 0; k < 4; k++) {
                double diff = Math.abs(expected[k] - got[k]);
                maxDiff = Math.max(maxDiff, diff);
                assertTrue(diff < 1e-3 * Math.max(1, Math.abs(expected[k])), "pair " + i + " value " + k + ": graph "
                        + expected[k] + ", scorer " + got[k]);
            }
            assertFalse(s.truncated());
        }
        System.out.printf("scorer vs training graph (fp64): max |diff| %.2e nats over %d pairs%n", maxDiff, examples.size());
    }

    /** {log p(reply | prompt), log p(reply | start), reply tokens} from the graph's weighted mean loss. */
    private static double[] graphLogprobs(DecoderGraph graph, TrainedModel model, Example e, int seqLen) {
        ChatEncoder encoder = new ChatEncoder(model.tokenizer(), model.template());
        SftBatches.Rows rows = SftBatches.sft(List.of(e), new double[] {1}, encoder, seqLen);
        assertEquals(0, rows.truncated(), "the row must fit for this check");
        TokenBatch row = rows.batch();
        List<Integer> reply = new ArrayList<>();
        for (int t = 0; t < seqLen; t++) if (row.lossWeights()[0][t] != 0) reply.add(row.targetIds()[0][t]);
        int n = reply.size();
        double conditional = -graph.loss(row) * n;
        int[][] in = new int[1][seqLen], out = new int[1][seqLen];
        double[][] w = new double[1][seqLen];
        in[0][0] = model.model().startToken();
        for (int t = 0; t < n; t++) {
            out[0][t] = reply.get(t);
            w[0][t] = 1;
            if (t + 1 < seqLen) in[0][t + 1] = reply.get(t);
        }
        double unconditional = -graph.loss(new TokenBatch(in, out, w)) * n;
        return new double[] {conditional, unconditional, n};
    }

    @Test
    void batchSizeDoesNotChangeScores() {
        List<PairScorer.Pair> pairs = pairs(seed.subList(0, 12));
        List<PairScorer.Scores> one = new PairScorer(forward, reverse, 1).score(pairs, null).scores();
        assertEquals(one, new PairScorer(forward, reverse, 5).score(pairs, null).scores());
        assertEquals(one, new PairScorer(forward, reverse, 64).score(pairs, null).scores());
        // nor does scoring a pair among others
        assertEquals(one.subList(3, 4), new PairScorer(forward, reverse, 8).score(pairs.subList(3, 4), null).scores());
    }

    /** Scores are MainMethod's formulas on the log-likelihoods (recomputed here by hand). */
    @Test
    void scoresAreTheFormulasOnTheLogprobs() {
        for (PairScorer.Scores s : new PairScorer(forward, reverse, 8).score(pairs(seed.subList(0, 6)), null).scores()) {
            double fp = (s.forwardLogprob() - s.responseLogprob()) / s.responseTokens();
            double rp = (s.reverseLogprob() - s.instructionLogprob()) / s.instructionTokens();
            assertEquals(fp, s.forwardPmi(), 1e-12);
            assertEquals(rp, s.reversePmi(), 1e-12);
            assertEquals(fp + rp, s.mutual(), 1e-12);
            assertEquals(s.forwardLogprob() / s.responseLogprob(), s.ifd(), 1e-12);
            assertTrue(s.forwardLogprob() < 0 && s.responseLogprob() < 0 && s.reverseLogprob() < 0 && s.instructionLogprob() < 0);
        }
    }

    /**
     * k candidates of one response: log p(y') is computed once. The tokens run through the models are those of the
     * pairs alone minus the (k - 1) repeated unconditional requests [start] + y', and the shared value is the same.
     */
    @Test
    void aSharedResponseIsScoredUnconditionallyOnce() {
        String y = seed.get(0).response();
        List<PairScorer.Pair> candidates = List.of(new PairScorer.Pair("a", seed.get(0).fullInstruction(), y),
                new PairScorer.Pair("b", seed.get(1).fullInstruction(), y), new PairScorer.Pair("c", seed.get(2).fullInstruction(), y));
        PairScorer scorer = new PairScorer(forward, reverse, 4);
        PairScorer.Result together = scorer.score(candidates, null);
        long alone = 0;
        for (PairScorer.Pair p : candidates) alone += scorer.score(List.of(p), null).tokens();
        int replyTokens = together.scores().get(0).responseTokens();
        assertEquals(alone - 2L * (1 + replyTokens), together.tokens());
        for (PairScorer.Scores s : together.scores()) assertEquals(together.scores().get(0).responseLogprob(), s.responseLogprob());
    }

    /** The hand cases of the truncation rule. */
    @Test
    void fitCutsTheReplyFromTheRightAndALongPromptFromTheMiddle() {
        int[] p3 = {1, 2, 3}, t5 = {10, 11, 12, 13, 14};
        int[][] same = PairScorer.fit(p3, t5, 10);
        assertTrue(same[0] == p3 && same[1] == t5, "fits: unchanged");
        int[] t9 = {10, 11, 12, 13, 14, 15, 16, 17, 18};
        int[][] cutReply = PairScorer.fit(p3, t9, 10);
        assertArrayEquals(p3, cutReply[0]);
        assertArrayEquals(new int[] {10, 11, 12, 13, 14, 15, 16}, cutReply[1], "prompt whole, reply's first 7");
        int[] p8 = {1, 2, 3, 4, 5, 6, 7, 8};
        int[][] both = PairScorer.fit(p8, new int[] {10, 11, 12, 13, 14, 15}, 10);
        assertArrayEquals(new int[] {1, 5, 6, 7, 8}, both[0], "start token + the prompt's end");
        assertArrayEquals(new int[] {10, 11, 12, 13, 14}, both[1], "the reply keeps P/2");
        int[][] promptOnly = PairScorer.fit(p8, new int[] {10, 11, 12}, 10);
        assertArrayEquals(new int[] {1, 3, 4, 5, 6, 7, 8}, promptOnly[0]);
        assertArrayEquals(new int[] {10, 11, 12}, promptOnly[1], "a short reply stays whole");
    }

    /**
     * The same weights with max_position_embeddings 160: a long pair is cut (flagged, counts as the rule says),
     * not refused; a pair that fits scores as with the full-length model.
     */
    @Test
    void pairsLongerThanTheModelAreTruncated() throws IOException {
        try (TrainedModel shortForward = withMaxPositions(forward, 160); TrainedModel shortReverse = withMaxPositions(reverse, 160)) {
            String longResponse = seed.get(0).response().repeat(20);
            List<PairScorer.Pair> pairs = List.of(new PairScorer.Pair("long", "What is this?", longResponse),
                    new PairScorer.Pair("short", "Hi?", "Hello."));
            PairScorer.Result r = new PairScorer(shortForward, shortReverse, 4).score(pairs, null);
            PairScorer.Scores cut = r.scores().get(0);
            assertTrue(cut.truncated());
            assertEquals(1, r.truncated());
            int prompt = forward.encoder().promptIds(PairDirection.FORWARD.prompt(null, "What is this?", longResponse)).length;
            assertEquals(Math.max(160 - prompt, 80), cut.responseTokens(), "the reply keeps what the prompt leaves, at least P/2");
            assertTrue(Double.isFinite(cut.mutual()));
            PairScorer.Scores full = new PairScorer(forward, reverse, 4).score(pairs.subList(1, 2), null).scores().get(0);
            assertEquals(full, r.scores().get(1), "a pair that fits does not care about the limit");
        }
    }

    private static TrainedModel withMaxPositions(TrainedModel m, int maxPositions) {
        DecoderWeights w = m.model().weights();
        ModelConfig c = w.config();
        ModelConfig shorter = new ModelConfig(c.modelType(), c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(),
                c.numKvHeads(), c.headDim(), c.vocabSize(), maxPositions, c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(),
                c.tieWordEmbeddings(), c.attentionBias(), c.slidingWindow(), c.bosTokenId(), c.eosTokenId());
        return withWeights(m, new DecoderWeights(shorter, w.embedTokens(), w.layers(), w.norm(), w.lmHead()));
    }

    private static TrainedModel withWeights(TrainedModel m, DecoderWeights w) {
        TextTokenizer tok = TextTokenizer.load(TinyMainModels.TOKENIZER);
        LoadedModel loaded = new LoadedModel(w, new Decoder(w, true, 1), m.model().eosTokenIds(), tok);
        return new TrainedModel(loaded, m.info(), ChatTemplate.forTokenizer(m.info().chatTemplate(), tok));
    }

    @Test
    void blankTextsAreNotScorableAndWrongDirectionsAreRefused() {
        List<PairScorer.Scores> s = new PairScorer(forward, reverse, 4).score(List.of(new PairScorer.Pair("empty", "  ", "A reply."),
                new PairScorer.Pair("ok", "A question?", "A reply.")), null).scores();
        assertNull(s.get(0));
        assertTrue(Double.isFinite(s.get(1).mutual()));
        UserInputException e = assertThrows(UserInputException.class, () -> new PairScorer(reverse, reverse, 4));
        assertTrue(e.getMessage().contains("forward model was trained with direction reverse"), e.getMessage());
        e = assertThrows(UserInputException.class, () -> new PairScorer(forward, forward, 4));
        assertTrue(e.getMessage().contains("reverse model was trained with direction forward"), e.getMessage());
    }

    /** A model whose LM head holds a NaN gives NaN log-likelihoods: the scorer stops, naming the pair. */
    @Test
    void aNonFiniteScoreStopsNamingThePair() {
        DecoderWeights w = forward.model().weights();
        float[] head = w.lmHead().clone();
        head[0] = Float.NaN;
        try (TrainedModel broken = withWeights(forward, new DecoderWeights(w.config(), w.embedTokens(), w.layers(), w.norm(), head))) {
            UserInputException e = assertThrows(UserInputException.class, () -> new PairScorer(broken, reverse, 4)
                    .score(List.of(new PairScorer.Pair("pool-17#r1c0", "A question?", "A reply.")), null));
            assertTrue(e.getMessage().startsWith("pair pool-17#r1c0: forward_logprob is not finite (request 0: log p of target token 0"), e.getMessage());
        }
    }

    /**
     * Real signal: on seed pairs the models trained on, each response scores higher with its own instruction than
     * with another pair's (a cyclic shift), in both directions. Measured AUROCs are printed.
     */
    @Test
    void matchedSeedPairsScoreAboveShuffledOnes() {
        List<Example> examples = seed.subList(0, Math.min(80, seed.size()));
        List<PairScorer.Pair> pairs = new ArrayList<>(pairs(examples));
        for (int i = 0; i < examples.size(); i++) {
            Example other = examples.get((i + 1) % examples.size());
            pairs.add(new PairScorer.Pair(examples.get(i).id() + "-shuffled", other.fullInstruction(), examples.get(i).response()));
        }
        List<PairScorer.Scores> s = new PairScorer(forward, reverse, 16).score(pairs, null).scores();
        int n = examples.size();
        int[] labels = new int[2 * n];
        Arrays.fill(labels, 0, n, 1);
        double[] fwd = new double[2 * n], rev = new double[2 * n], mutual = new double[2 * n], negIfd = new double[2 * n];
        int forwardWins = 0;
        for (int i = 0; i < 2 * n; i++) {
            fwd[i] = s.get(i).forwardPmi();
            rev[i] = s.get(i).reversePmi();
            mutual[i] = s.get(i).mutual();
            negIfd[i] = -s.get(i).ifd();
            if (i < n && fwd[i] > s.get(i + n).forwardPmi()) forwardWins++;
        }
        double aFwd = Auroc.of(fwd, labels), aRev = Auroc.of(rev, labels), aMutual = Auroc.of(mutual, labels), aIfd = Auroc.of(negIfd, labels);
        System.out.printf("seed pairs vs shuffled (n=%d): AUROC forward_pmi %.3f, reverse_pmi %.3f, mutual %.3f, -ifd %.3f;"
                + " forward PMI higher for the matched pair in %d of %d%n", n, aFwd, aRev, aMutual, aIfd, forwardWins, n);
        // The paired comparison (one response, its own instruction or another's) is what the filter relies on.
        assertTrue(forwardWins > 0.8 * n, "forward PMI higher for the matched pair in only " + forwardWins + " of " + n);
        // Across responses the forward PMI's level varies more than an instruction moves it (AUROC ~0.6 here);
        // the reverse model, which memorises the short instructions, separates them well.
        assertTrue(aRev > 0.75, "reverse PMI AUROC " + aRev);
        assertTrue(aMutual > 0.7, "mutual AUROC " + aMutual);
    }
}
