package dev.mutual.trainer.inference;

import dev.mutual.data.tokenizer.Llama2cTokenizer;
import dev.mutual.trainer.checkpoint.Llama2cCheckpoint;
import dev.mutual.trainer.model.DecoderWeights;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Generation options on stories260K, pinned to llama2.c's greedy output where one exists. */
class GeneratorTest {
    static final String GOLDEN_TEXT = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
            + "One day, she saw a big, red ball. She wanted to play with it, but it was too high";
    static DecoderWeights weights;
    static Decoder decoder;
    static Generator generator;
    static Llama2cTokenizer tokenizer;

    /** Loads the model for the first test; every test is skipped (and counted) without the shared stories260K. */
    @BeforeEach
    void load() {
        Path model = Stories260KTest.model();
        if (decoder != null) return;
        weights = Llama2cCheckpoint.read(model);
        decoder = new Decoder(weights, true, 1);
        generator = new Generator(decoder);
        tokenizer = Llama2cTokenizer.load(Stories260KTest.TOKENIZER);
    }

    @AfterAll
    static void close() {
        if (decoder != null) decoder.close();
    }

    /** Continuation text: decode(prompt + new) minus decode(prompt), as the CLI prints it. */
    static Function<int[], String> continuation(int[] prompt) {
        String before = tokenizer.decode(prompt);
        return ids -> {
            int[] all = Arrays.copyOf(prompt, prompt.length + ids.length);
            System.arraycopy(ids, 0, all, prompt.length, ids.length);
            return tokenizer.decode(all).substring(before.length());
        };
    }

    static GenerationOptions sampling(double temperature, int topK, double topP, double penalty, long seed) {
        return new GenerationOptions(40, temperature, topK, topP, penalty, List.of(), List.of(), seed);
    }

    private int[] one(int[] prompt, GenerationOptions o) {
        return generator.generate(List.of(prompt), o, null).get(0).tokens();
    }

    @Test
    void greedyTextMatchesLlama2c() {
        int[] bos = {1};
        // SOURCE.md's text runs past the 40 listed ids: 40 ids end in "a big, r"
        Generator.Result r = generator.generate(List.of(bos), GenerationOptions.greedy(40), continuation(bos)).get(0);
        assertArrayEquals(Stories260KTest.GOLDEN, r.tokens());
        assertEquals(GOLDEN_TEXT.substring(0, GOLDEN_TEXT.indexOf("ed ball.")), r.text());
        r = generator.generate(List.of(bos), GenerationOptions.greedy(60), continuation(bos)).get(0);
        assertTrue(r.text().startsWith(GOLDEN_TEXT), r.text());
        assertEquals(Generator.Finish.LENGTH, r.finish());
    }

    @Test
    void promptEncodedAsLlama2cContinuesTheGoldenText() {
        int[] prompt = tokenizer.encode("Once upon a time", true, false);
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, prompt);
        int[] out = one(prompt, GenerationOptions.greedy(36));
        assertArrayEquals(Arrays.copyOfRange(Stories260KTest.GOLDEN, 4, 40), out);
    }

    @Test
    void topKOneAndTinyTopPEqualGreedy() {
        int[] bos = {1};
        assertArrayEquals(Stories260KTest.GOLDEN, one(bos, sampling(1.0, 1, 1.0, 1.0, 7)));
        assertArrayEquals(Stories260KTest.GOLDEN, one(bos, sampling(1.5, 0, 1e-6, 1.0, 7)));
    }

    @Test
    void seededSamplingIsReproducibleAndSeedDependent() {
        int[] bos = {1};
        int[] a = one(bos, sampling(1.0, 0, 1.0, 1.0, 42));
        assertArrayEquals(a, one(bos, sampling(1.0, 0, 1.0, 1.0, 42)));
        assertFalse(Arrays.equals(a, one(bos, sampling(1.0, 0, 1.0, 1.0, 43))));
        assertFalse(Arrays.equals(a, Stories260KTest.GOLDEN));
    }

    @Test
    void stopTokenAndStopStringEndGeneration() {
        int[] bos = {1};
        // 383 is the 6th greedy token: generation stops before it, without it
        Generator.Result r = generator.generate(List.of(bos), GenerationOptions.greedy(40).withStops(List.of(383), List.of()), null).get(0);
        assertArrayEquals(Arrays.copyOf(Stories260KTest.GOLDEN, 5), r.tokens());
        assertEquals(Generator.Finish.STOP_TOKEN, r.finish());
        r = generator.generate(List.of(bos), GenerationOptions.greedy(40).withStops(List.of(), List.of("Lily", "park")), continuation(bos)).get(0);
        assertEquals("Once upon a time, there was a little girl named ", r.text());
        assertEquals(Generator.Finish.STOP_STRING, r.finish());
    }

    @Test
    void batchOfDifferentLengthsEqualsOneByOne() {
        List<int[]> prompts = List.of(new int[] {1}, tokenizer.encode("Tom had a dog", true, false),
                tokenizer.encode("The sun was hot and the birds", true, false), new int[] {1, 403});
        GenerationOptions o = sampling(0.8, 20, 0.9, 1.1, 5);
        List<Generator.Result> batch = generator.generate(prompts, o, null);
        for (int i = 0; i < prompts.size(); i++) {
            // sequence i of a batch uses seed + i
            GenerationOptions alone = sampling(0.8, 20, 0.9, 1.1, 5 + i);
            assertArrayEquals(one(prompts.get(i), alone), batch.get(i).tokens(), "prompt " + i);
        }
    }

    @Test
    void repetitionPenaltyChangesGreedyOutput() {
        int[] bos = {1};
        int[] penalised = one(bos, sampling(0, 0, 1.0, 1.5, 0));
        // the first token follows BOS only, and BOS cannot win anyway: same first word, different story after it
        assertEquals(Stories260KTest.GOLDEN[0], penalised[0]);
        assertNotEquals(Arrays.toString(Stories260KTest.GOLDEN), Arrays.toString(penalised));
    }
}
