package dev.mutual.eval.mtbench;

import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.eval.judge.JudgePromptTemplate;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The four single-answer grading prompts of FastChat's {@code judge_prompts.jsonl}, each a system prompt plus a
 * user prompt template, checked for the placeholders FastChat fills.
 *
 * @param general          "single-v1": turn 1, {question} {answer}
 * @param math             "single-math-v1": turn 1 with a reference, adds {ref_answer_1}
 * @param generalMultiTurn "single-v1-multi-turn": turn 2, {question_1} {answer_1} {question_2} {answer_2}
 * @param mathMultiTurn    "single-math-v1-multi-turn": turn 2 with references, adds {ref_answer_1} {ref_answer_2}
 */
public record MtBenchJudgePrompts(NamedTemplate general, NamedTemplate math, NamedTemplate generalMultiTurn,
                                  NamedTemplate mathMultiTurn) {
    /** A judge prompt and its name in judge_prompts.jsonl (kept in every judgement). */
    public record NamedTemplate(String name, JudgePromptTemplate template) {}

    private static final Map<String, Set<String>> PLACEHOLDERS = Map.of(
            "single-v1", Set.of("question", "answer"),
            "single-math-v1", Set.of("question", "answer", "ref_answer_1"),
            "single-v1-multi-turn", Set.of("question_1", "answer_1", "question_2", "answer_2"),
            "single-math-v1-multi-turn", Set.of("question_1", "answer_1", "question_2", "answer_2", "ref_answer_1", "ref_answer_2"));

    public static MtBenchJudgePrompts read(Path file) {
        Map<String, NamedTemplate> byName = new HashMap<>();
        for (JsonLines.Line line : JsonLines.read(file, "{\"name\", \"type\", \"system_prompt\", \"prompt_template\", \"output_format\"}")) {
            String name = line.text("name");
            Set<String> expected = PLACEHOLDERS.get(name);
            if (expected == null) continue;   // the pairwise prompts (pair-v2, ...) are not used here
            if (!line.text("output_format").equals("[[rating]]")) {
                throw new UserInputException(line.where() + ": prompt " + name + " should ask for \"[[rating]]\", found "
                        + line.text("output_format"));
            }
            JudgePromptTemplate template = new JudgePromptTemplate(List.of(ChatMessage.system(line.text("system_prompt")),
                    ChatMessage.user(line.text("prompt_template"))));
            byName.put(name, new NamedTemplate(name, template.requirePlaceholders(expected, line.where())));
        }
        for (String name : PLACEHOLDERS.keySet()) {
            if (!byName.containsKey(name)) throw new UserInputException(file + ": no judge prompt named \"" + name + "\"");
        }
        return new MtBenchJudgePrompts(byName.get("single-v1"), byName.get("single-math-v1"),
                byName.get("single-v1-multi-turn"), byName.get("single-math-v1-multi-turn"));
    }
}
