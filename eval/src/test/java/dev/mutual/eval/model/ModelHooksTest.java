package dev.mutual.eval.model;

import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.eval.GenerationSettings;
import dev.mutual.eval.likelihood.ContinuationScore;
import dev.mutual.eval.likelihood.ScoringRequest;
import dev.mutual.trainer.checkpoint.Llama2cCheckpoint;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.inference.GenerationOptions;
import dev.mutual.trainer.inference.Generator;
import dev.mutual.trainer.inference.Scorer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The evaluators' model hooks on stories260K, against llama2.c's greedy text and the trainer's own Scorer. */
class ModelHooksTest {
    static final Path STORIES = Path.of("../../shared/data/models/stories260K");
    /** llama2.c run.c greedy from BOS, 40 tokens (shared/data/models/stories260K/SOURCE.md), after "Once upon a time". */
    static final String AFTER_ONCE = ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, r";

    static Decoder decoder;
    static TextTokenizer tokenizer;

    /** Loads the model for the first test; every test is skipped (and counted) without the shared stories260K. */
    @BeforeEach
    void load() {
        assumeShared("models/stories260K/stories260K.bin");
        if (decoder != null) return;
        decoder = new Decoder(Llama2cCheckpoint.read(STORIES.resolve("stories260K.bin")), false, 1);
        tokenizer = TextTokenizer.load(STORIES.resolve("tok512.bin"));
    }

    @AfterAll
    static void close() {
        if (decoder != null) decoder.close();
        if (tokenizer != null) tokenizer.close();
    }

    @Test
    void rawGreedyGenerationIsLlama2cTextAndDoesNotDependOnTheBatch() {
        ModelTextGenerator batched = new ModelTextGenerator(decoder, tokenizer, List.of(2), null, 2);
        List<String> prompts = List.of("Once upon a time", "Tom had a dog", "The sun", "Once upon a time");
        List<String> out = batched.generate(prompts, GenerationSettings.greedy(36, List.of(), false));
        // 36 new tokens after the 4 prompt tokens + BOS of "Once upon a time" are llama2.c's 40-token story
        assertEquals(AFTER_ONCE, out.get(0));
        assertEquals(AFTER_ONCE, out.get(3));
        Generator generator = new Generator(decoder);
        for (int i = 1; i < 3; i++) {
            int[] ids = tokenizer.encode(prompts.get(i), true);
            Generator.Result alone = generator.generate(List.of(ids), GenerationOptions.greedy(36).withStops(List.of(2), List.of()),
                    null).get(0);
            String text = tokenizer.decode(concat(ids, alone.tokens())).substring(tokenizer.decode(ids).length());
            assertEquals(text, out.get(i), "prompt " + i + " generated alone");
        }
        // A stop string cuts the text before it; the same call with batch size 1 gives the same texts
        ModelTextGenerator single = new ModelTextGenerator(decoder, tokenizer, List.of(2), null, 1);
        List<String> cut = single.generate(prompts, GenerationSettings.greedy(36, List.of("."), false));
        assertEquals(", there was a little girl named Lily", cut.get(0));
        for (int i = 0; i < prompts.size(); i++) assertEquals(out.get(i).split("\\.")[0], cut.get(i));
    }

    @Test
    void chatNeedsATemplateAndUsesIt() {
        ModelTextGenerator none = new ModelTextGenerator(decoder, tokenizer, List.of(2), null, 4);
        var e = assertThrows(UserInputException.class, () -> none.generate(List.of("Hi"), GenerationSettings.greedy(4, List.of(), true)));
        assertTrue(e.getMessage().contains("--chat-template"), e.getMessage());
        ChatTemplate alpaca = ChatTemplate.forTokenizer("alpaca", tokenizer);
        ModelTextGenerator chat = new ModelTextGenerator(decoder, tokenizer, List.of(2), alpaca, 4);
        int[] ids = chat.promptIds("Hi", true);
        assertTrue(tokenizer.decode(ids).contains("### Instruction:"), tokenizer.decode(ids));
        assertTrue(tokenizer.decode(ids).contains("Hi"), tokenizer.decode(ids));
        Generator.Result alone = new Generator(decoder).generate(List.of(ids), GenerationOptions.greedy(8).withStops(List.of(2), List.of()), null).get(0);
        String expected = tokenizer.decode(concat(ids, alone.tokens())).substring(tokenizer.decode(ids).length());
        assertEquals(List.of(expected), chat.generate(List.of("Hi"), GenerationSettings.greedy(8, List.of(), true)));
    }

    @Test
    void tooLongPromptIsNamed() {
        ModelTextGenerator g = new ModelTextGenerator(decoder, tokenizer, List.of(2), null, 4);
        String longPrompt = "a b ".repeat(400);
        var e = assertThrows(UserInputException.class, () -> g.generate(List.of("fine", longPrompt), GenerationSettings.greedy(4, List.of(), false)));
        assertTrue(e.getMessage().startsWith("prompt 1 is "), e.getMessage());
        assertTrue(e.getMessage().contains("limit is 512 positions"), e.getMessage());
    }

    @Test
    void scoresEqualTheTrainersScorerAndGreedyMatchesGeneration() {
        ModelLogLikelihoodScorer scorer = new ModelLogLikelihoodScorer(decoder, tokenizer, 1, 2);
        List<ScoringRequest> requests = List.of(
                new ScoringRequest("Once upon a time", ", there was a little girl named Lily."),
                new ScoringRequest("Once upon a time", ", there was a big dragon."),
                new ScoringRequest("", "Once upon a time"),
                new ScoringRequest("Tom had a dog.", " The dog was happy."));
        List<ContinuationScore> scores = scorer.score(requests);
        Scorer reference = new Scorer(decoder, 1);
        for (int i = 0; i < requests.size(); i++) {
            Scorer.Request t = scorer.tokenize(requests.get(i));
            Scorer.Score s = reference.score(t);
            assertEquals(s.sumLogprob(), scores.get(i).logProb(), 1e-9, "request " + i);
            assertEquals(t.target().length, scores.get(i).tokens());
        }
        // the split: context ids then the rest of encode(context + continuation); an empty context starts at BOS
        Scorer.Request first = scorer.tokenize(requests.get(0));
        assertEquals(tokenizer.decode(tokenizer.encode("Once upon a time", true)), tokenizer.decode(first.prompt()));
        assertEquals(List.of(1), java.util.Arrays.stream(scorer.tokenize(requests.get(2)).prompt()).boxed().toList());
        // llama2.c's greedy story continues "Once upon a time" with ", there was a little girl named Lily."
        assertTrue(scores.get(0).greedy());
        assertFalse(scores.get(1).greedy());
        assertTrue(scores.get(0).logProb() > scores.get(1).logProb());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
