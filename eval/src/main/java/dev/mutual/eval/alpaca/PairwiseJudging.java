package dev.mutual.eval.alpaca;

import dev.mutual.data.UserInputException;
import dev.mutual.eval.judge.ChatJudge;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.eval.judge.JudgeReply;
import dev.mutual.eval.judge.JudgeRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * AlpacaEval-style judging: for each instruction, the judge compares the model's output with the reference output.
 * Which of the two the judge sees first is drawn per instruction from a seeded random stream (as alpaca_eval's
 * {@code is_randomize_output_order}), cancelling the judge's position bias on average; the verdict is mapped back
 * so that in every {@link Annotation} output_1 is the reference and preference 2 means the model won.
 */
public final class PairwiseJudging {
    private static final Logger LOG = LoggerFactory.getLogger(PairwiseJudging.class);

    /** A model output and the reference output for the same instruction. */
    public record Pair(ModelOutput model, ModelOutput reference) {}

    private final ChatJudge judge;
    private final AlpacaJudgePrompt prompt;
    private final long seed;
    private final JudgeRunner runner;

    public PairwiseJudging(ChatJudge judge, AlpacaJudgePrompt prompt, long seed, JudgeRunner runner) {
        this.judge = judge;
        this.prompt = prompt;
        this.seed = seed;
        this.runner = runner;
    }

    /**
     * Pairs every model output with the reference output of the same instruction (alpaca_eval joins on the
     * instruction text). Each model instruction must appear exactly once and exist in the reference.
     */
    public static List<Pair> pair(List<ModelOutput> outputs, String outputsName, List<ModelOutput> reference, String referenceName) {
        Map<String, ModelOutput> byInstruction = new HashMap<>();
        for (ModelOutput r : reference) byInstruction.putIfAbsent(r.instruction(), r);
        Set<String> seen = new HashSet<>();
        List<Pair> pairs = new ArrayList<>(outputs.size());
        for (int i = 0; i < outputs.size(); i++) {
            ModelOutput o = outputs.get(i);
            if (!seen.add(o.instruction())) {
                throw new UserInputException(outputsName + " (entry " + i + "): instruction appears twice: \"" + abbreviate(o.instruction()) + "\"");
            }
            ModelOutput r = byInstruction.get(o.instruction());
            if (r == null) {
                throw new UserInputException(outputsName + " (entry " + i + "): instruction not found in the reference "
                        + referenceName + ": \"" + abbreviate(o.instruction()) + "\" (expected the same AlpacaEval prompts)");
            }
            pairs.add(new Pair(o, r));
        }
        if (pairs.size() < byInstruction.size()) {
            LOG.warn("{} covers {} of the {} instructions of {}; the win rate is over those {} only",
                    outputsName, pairs.size(), byInstruction.size(), referenceName, pairs.size());
        }
        return pairs;
    }

    /** Judges every pair (in parallel, through the runner); returns one annotation per pair, in order. */
    public List<Annotation> judge(List<Pair> pairs) {
        return runner.run("alpaca_eval", pairs.size(), i -> judgeOne(pairs.get(i)));
    }

    private Annotation judgeOne(Pair pair) {
        String instruction = pair.model().instruction();
        boolean swapped = isSwapped(seed, instruction);
        String first = swapped ? pair.model().output() : pair.reference().output();
        String second = swapped ? pair.reference().output() : pair.model().output();
        List<ChatMessage> messages = prompt.render(instruction, first, second);
        JudgeReply reply = judge.complete(messages, prompt.decoding());
        Double seen = prompt.parse(reply).preference();
        // The judge's preference is about the order it saw; 1 <-> 2 when the model's output came first.
        Double preference = seen == null ? null : swapped ? 3 - seen : seen;
        String dataset = pair.model().dataset() != null ? pair.model().dataset() : pair.reference().dataset();
        return new Annotation(instruction, pair.reference().output(), pair.reference().generator(), dataset,
                pair.model().output(), pair.model().generator(), judge.label() + "/" + prompt.name(),
                preference, reply.content(), swapped);
    }

    /** Seeded, per instruction, independent of the order and number of items. */
    static boolean isSwapped(long seed, String instruction) {
        return new Random(seed * 0x9E3779B97F4A7C15L + instruction.hashCode()).nextBoolean();
    }

    private static String abbreviate(String s) {
        String oneLine = s.replaceAll("\\s+", " ");
        return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 80) + "...";
    }
}
