package dev.mutual.eval.mtbench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.eval.GenerationSettings;
import dev.mutual.eval.model.ModelTextGenerator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A model answers the MT-Bench questions the way FastChat's {@code gen_model_answer.py} has it: turn 1 is the
 * first question as one user turn; turn 2 is asked in the same conversation, after the model's own first answer.
 * Answers are written in FastChat's {@code model_answer} JSONL format, which {@link MtBenchAnswer#read} and FastChat
 * read unchanged.
 */
public final class MtBenchAnswering {
    /**
     * Greedy, up to 1024 new tokens per turn (FastChat's default budget). FastChat samples some categories at
     * temperature 0.7; greedy keeps a run reproducible and is recorded in results.json.
     */
    public static final GenerationSettings GENERATION = GenerationSettings.greedy(1024, List.of(), true);

    private MtBenchAnswering() {}

    /** Both turns of every question, turn by turn over all questions (so each turn is one batched pass). */
    public static List<MtBenchAnswer> answer(List<MtBenchQuestion> questions, ModelTextGenerator generator,
                                             GenerationSettings settings, String modelId) {
        List<List<ChatMessage>> conversations = new ArrayList<>();
        for (MtBenchQuestion q : questions) conversations.add(new ArrayList<>(List.of(ChatMessage.user(q.turns().get(0)))));
        List<List<String>> replies = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) replies.add(new ArrayList<>());
        int turns = questions.stream().mapToInt(q -> q.turns().size()).max().orElse(0);
        for (int turn = 0; turn < turns; turn++) {
            List<Integer> asked = new ArrayList<>();
            List<List<ChatMessage>> batch = new ArrayList<>();
            for (int i = 0; i < questions.size(); i++) {
                if (turn >= questions.get(i).turns().size()) continue;
                if (turn > 0) conversations.get(i).add(ChatMessage.user(questions.get(i).turns().get(turn)));
                asked.add(i);
                batch.add(conversations.get(i));
            }
            List<String> answers = generator.generateReplies(batch, settings);
            for (int k = 0; k < asked.size(); k++) {
                int i = asked.get(k);
                replies.get(i).add(answers.get(k));
                conversations.get(i).add(ChatMessage.assistant(answers.get(k)));
            }
        }
        List<MtBenchAnswer> out = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) out.add(new MtBenchAnswer(questions.get(i).questionId(), modelId, replies.get(i)));
        return out;
    }

    /** Writes {@code answers} as FastChat model_answer JSONL, atomically. */
    public static void write(Path file, List<MtBenchAnswer> answers) {
        ObjectMapper json = new ObjectMapper();
        AtomicFile.write(file, out -> {
            for (MtBenchAnswer a : answers) {
                ObjectNode line = json.createObjectNode();
                line.put("question_id", a.questionId());
                line.put("model_id", a.modelId());
                ObjectNode choice = line.putArray("choices").addObject();
                choice.put("index", 0);
                a.turns().forEach(choice.putArray("turns")::add);
                out.write(json.writeValueAsString(line));
                out.write('\n');
            }
        });
    }
}
