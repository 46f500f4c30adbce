package dev.mutual.data.read;

import dev.mutual.data.Example;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The quickstart samples in the repository read with the formats and counts samples/SOURCE.md states. */
class SamplesTest {
    static final Path SAMPLES = Path.of("../samples");

    @Test
    void seedPairs() {
        ReadResult r = DataReader.read(SAMPLES.resolve("seed_dolly_open_qa.jsonl"), DataReader.Options.defaults());
        assertEquals(Format.DOLLY, r.format());
        assertEquals(200, r.examples().size());
        assertEquals("dolly_open_qa_199", r.examples().get(199).id());
    }

    @Test
    void unlabelledResponsesKeepTheirGoldInstructionAside() {
        ReadResult r = DataReader.read(SAMPLES.resolve("unlabelled_oasst1.jsonl"), DataReader.Options.defaults());
        assertEquals(Format.RESPONSES, r.format());
        assertEquals(300, r.examples().size());
        Example first = r.examples().get(0);
        assertNull(first.instruction());
        assertEquals("oasst1-en-train-00001", first.id());
        assertEquals(300, r.examples().stream().filter(e -> e.goldInstruction() != null).count());
    }

    @Test
    void ifevalPrompts() {
        List<EvalPrompt> prompts = EvalPromptReader.read(SAMPLES.resolve("eval_ifeval_prompts.jsonl"), "ifeval");
        assertEquals(50, prompts.size());
        assertEquals("1000", prompts.get(0).id());
    }
}
