package dev.mutual.eval.mtbench;

import dev.mutual.data.UserInputException;
import dev.mutual.eval.judge.ChatJudge;
import dev.mutual.eval.judge.DecodingSettings;
import dev.mutual.eval.judge.JudgeReply;
import dev.mutual.eval.judge.JudgeRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MT-Bench single-answer grading as FastChat's {@code gen_judgment.py --mode single} does it: each answer is graded
 * 1-10 twice, turn 1 with "single-v1" and turn 2 with "single-v1-multi-turn" (the judge sees the whole
 * conversation and grades the second answer); math, reasoning and coding use the "-math" variants, which show the
 * judge GPT-4's reference answers. Judge decoding: temperature 0, 2048 tokens.
 */
public final class MtBenchGrading {
    private static final Logger LOG = LoggerFactory.getLogger(MtBenchGrading.class);
    /** FastChat's judge settings ({@code chat_completion_openai(..., temperature=0, max_tokens=2048)}). */
    public static final DecodingSettings DECODING = new DecodingSettings(0, 2048, 0);
    // FastChat's one_score_pattern and one_score_pattern_backup: "[[8]]" first, then "[8]".
    private static final Pattern RATING = Pattern.compile("\\[\\[(\\d+\\.?\\d*)]]");
    private static final Pattern RATING_BACKUP = Pattern.compile("\\[(\\d+\\.?\\d*)]");

    private final ChatJudge judge;
    private final MtBenchJudgePrompts prompts;
    private final JudgeRunner runner;

    public MtBenchGrading(ChatJudge judge, MtBenchJudgePrompts prompts, JudgeRunner runner) {
        this.judge = judge;
        this.prompts = prompts;
        this.runner = runner;
    }

    /** One grading task: a turn of an answered question. */
    private record Task(MtBenchQuestion question, MtBenchAnswer answer, MtBenchAnswer reference, int turn) {}

    /**
     * Grades both turns of every answered question.
     *
     * @param answersName and referencesName: file names for error messages
     */
    public List<MtBenchJudgement> grade(List<MtBenchQuestion> questions, Map<Integer, MtBenchAnswer> answers, String answersName,
                                        Map<Integer, MtBenchAnswer> references, String referencesName) {
        Map<Integer, MtBenchQuestion> byId = new HashMap<>();
        for (MtBenchQuestion q : questions) byId.put(q.questionId(), q);
        for (MtBenchAnswer a : answers.values()) {
            MtBenchQuestion q = byId.get(a.questionId());
            if (q == null) throw new UserInputException(answersName + ": question_id " + a.questionId() + " is not an MT-Bench question");
            if (a.turns().size() < 2) {
                throw new UserInputException(answersName + ": question_id " + a.questionId() + " has " + a.turns().size()
                        + " answer turn(s), expected 2");
            }
        }
        List<Task> tasks = new ArrayList<>();
        for (MtBenchQuestion q : questions) {
            MtBenchAnswer a = answers.get(q.questionId());
            if (a == null) continue;
            MtBenchAnswer ref = null;
            if (q.needsReference()) {
                ref = references.get(q.questionId());
                if (ref == null || ref.turns().size() < 2) {
                    throw new UserInputException(referencesName + ": no two-turn reference answer for question_id "
                            + q.questionId() + " (category " + q.category() + " is graded against a reference)");
                }
            }
            tasks.add(new Task(q, a, ref, 1));
            tasks.add(new Task(q, a, ref, 2));
        }
        if (tasks.size() < 2 * questions.size()) {
            LOG.warn("{} answers {} of the {} MT-Bench questions; scores cover those only", answersName, tasks.size() / 2, questions.size());
        }
        return runner.run("mt_bench", tasks.size(), i -> gradeOne(tasks.get(i)));
    }

    private MtBenchJudgement gradeOne(Task t) {
        MtBenchQuestion q = t.question();
        Map<String, String> values = new HashMap<>();
        MtBenchJudgePrompts.NamedTemplate prompt;
        if (t.turn() == 1) {
            prompt = t.reference() != null ? prompts.math() : prompts.general();
            values.put("question", q.turns().get(0));
            values.put("answer", t.answer().turns().get(0));
        } else {
            prompt = t.reference() != null ? prompts.mathMultiTurn() : prompts.generalMultiTurn();
            values.put("question_1", q.turns().get(0));
            values.put("question_2", q.turns().get(1));
            values.put("answer_1", t.answer().turns().get(0));
            values.put("answer_2", t.answer().turns().get(1));
            if (t.reference() != null) values.put("ref_answer_2", t.reference().turns().get(1));
        }
        if (t.reference() != null) values.put("ref_answer_1", t.reference().turns().get(0));
        JudgeReply reply = judge.complete(prompt.template().render(values), DECODING);
        return new MtBenchJudgement(q.questionId(), q.category(), t.turn(), q.turns().get(t.turn() - 1),
                t.answer().turns().get(t.turn() - 1), prompt.name(), rating(reply.content()), reply.content());
    }

    /**
     * The first "[[N]]" in the reply, else the first "[N]" (FastChat's patterns). FastChat keeps any number; we
     * also treat a rating outside 1-10 as unparsed, since the prompt asks for that scale.
     */
    static Double rating(String reply) {
        Matcher m = RATING.matcher(reply);
        if (!m.find()) {
            m = RATING_BACKUP.matcher(reply);
            if (!m.find()) return null;
        }
        double r = Double.parseDouble(m.group(1));
        return r >= 1 && r <= 10 ? r : null;
    }
}
