package dev.mutual.data.read;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The prompt text of every eval set in ../shared/data, with the counts of each SOURCE.md. */
class EvalPromptReaderTest {
    @ParameterizedTest
    @CsvSource({
            "ifeval/input_data.jsonl, ifeval, 541",
            "ifeval/reference_outputs/input_response_data_gpt4_20231107_145030.jsonl, reference_outputs, 541",
            "alpaca_eval/alpaca_eval_805_prompts.jsonl, alpaca_eval, 805",
            "alpaca_eval/model_outputs/text_davinci_003.json, model_outputs, 805",
            "mt_bench/question.jsonl, mt_bench, 160",          // 80 questions x 2 turns
            "vicuna_bench/question.jsonl, vicuna_bench, 80",
            "gsm8k/test.jsonl, gsm8k, 1319",
            "strategyqa/test.jsonl, strategyqa, 2290",
            "self_instruct_user_oriented/user_oriented_instructions.jsonl, self_instruct_user_oriented, 252",
    })
    void readsEveryEvalSet(String file, String name, int prompts) {
        Path p = assumeShared(file);
        assertEquals(name, EvalPromptReader.defaultName(p));
        List<EvalPrompt> read = EvalPromptReader.read(p, name);
        assertEquals(prompts, read.size());
        for (EvalPrompt e : read) assertTrue(!e.text().isBlank() && e.evalSet().equals(name));
    }

    @Test
    void promptTextsAndIds() {
        EvalPrompt ifeval = EvalPromptReader.read(assumeShared("ifeval/input_data.jsonl"), "ifeval").get(0);
        assertEquals("1000", ifeval.id());
        assertTrue(ifeval.text().startsWith("Write a 300+ word summary of the wikipedia page"));
        EvalPrompt mt = EvalPromptReader.read(assumeShared("mt_bench/question.jsonl"), "mt_bench").get(1);
        assertEquals("81/turn2", mt.id());
        EvalPrompt gsm = EvalPromptReader.read(assumeShared("gsm8k/test.jsonl"), "gsm8k").get(0);
        assertTrue(gsm.text().startsWith("Janet\u2019s ducks lay 16 eggs per day."));
        assertEquals("line1", gsm.id());
        // Self-Instruct user-oriented: instruction and first input merged, as AlpacaEval's selfinstruct subset has them.
        EvalPrompt si = EvalPromptReader.read(assumeShared("self_instruct_user_oriented/user_oriented_instructions.jsonl"), "si").get(0);
        assertTrue(si.text().startsWith("The sentence you are given might be too wordy, complicated, or unclear."));
        assertTrue(si.text().contains("\n\nIf you have any questions about my rate"));
    }

    @Test
    void aFileWithoutPromptsIsAnError(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("judge.jsonl");
        Files.writeString(p, "{\"name\": \"pair-v2\", \"system_prompt\": \"...\"}\n");
        UserInputException e = assertThrows(UserInputException.class, () -> EvalPromptReader.read(p, "judge"));
        assertTrue(e.getMessage().startsWith(p + ":1: no prompt field (expected one of: prompt (IFEval)"), e.getMessage());
        assertTrue(e.getMessage().endsWith("found keys [name, system_prompt]) [eval set 'judge']"), e.getMessage());
    }
}
