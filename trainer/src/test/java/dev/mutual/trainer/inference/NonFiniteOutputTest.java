package dev.mutual.trainer.inference;

import dev.mutual.data.UserInputException;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model that computes NaN (NaN weights here; rope_theta 0 did the same before config.json was checked) stops
 * scoring and generation with a message: before, score wrote "sum_logprob": "NaN" with exit 0 and greedy generation
 * picked token 0 from NaN logits.
 */
class NonFiniteOutputTest {
    private static final ModelConfig C = new ModelConfig("llama", 16, 32, 2, 2, 1, 8, 40, 64, 1e-5, 1e4, null, false, false, 0, 1, 2);

    private static DecoderWeights withNanNorm() {
        DecoderWeights w = ScorerTest.randomWeights(C, 3);
        w.layers().get(1).postNorm()[5] = Float.NaN;
        return w;
    }

    @Test
    void aNanScoreStopsScoringNamingTheRequestAndToken() {
        for (boolean vector : new boolean[] {false, true}) {
            try (Decoder d = new Decoder(withNanNorm(), vector, 1)) {
                List<Scorer.Request> requests = List.of(new Scorer.Request(new int[] {1, 4}, new int[] {7}),
                        new Scorer.Request(new int[] {1}, new int[] {9, 3}), new Scorer.Request(new int[] {1, 2, 3}, new int[] {5}));
                Scorer.NonFiniteScoreException e = assertThrows(Scorer.NonFiniteScoreException.class,
                        () -> new Scorer(d, 2).score(requests, null));
                assertEquals(0, e.request());
                assertEquals("request 0: log p of target token 0 (id 7) is NaN; the model computes non-finite values (NaN or infinite"
                        + " weights, or activations beyond fp32), so no score can be trusted", e.getMessage());
            }
        }
    }

    @Test
    void nanLogitsStopGeneration() {
        try (Decoder d = new Decoder(withNanNorm(), true, 1)) {
            UserInputException e = assertThrows(UserInputException.class,
                    () -> new Generator(d).generate(List.of(new int[] {1, 4}), GenerationOptions.greedy(5), null));
            assertTrue(e.getMessage().startsWith("prompt 0, new token 0: the logit of token 0 is NaN; the model computes non-finite values"),
                    e.getMessage());
        }
    }

    @Test
    void finiteModelsAreUnaffected() {
        try (Decoder d = new Decoder(ScorerTest.randomWeights(C, 3), true, 1)) {
            assertTrue(Double.isFinite(new Scorer(d, 2).score(new Scorer.Request(new int[] {1, 4}, new int[] {7})).sumLogprob()));
            assertEquals(5, new Generator(d).generate(List.of(new int[] {1, 4}), GenerationOptions.greedy(5), null).get(0).tokens().length);
        }
    }
}
