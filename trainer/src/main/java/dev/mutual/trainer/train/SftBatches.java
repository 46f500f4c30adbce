package dev.mutual.trainer.train;

import dev.mutual.data.Example;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.chat.EncodedChat;
import dev.mutual.trainer.graph.TokenBatch;

import java.util.ArrayList;
import java.util.List;

/**
 * Training rows for {@link ShuffledBatches}: supervised fine-tuning rows from instruction-response examples, and
 * packed rows of plain text for pretraining. Every row has the same length {@code seqLen} (the graph's), right-padded
 * with id 0 and weight 0.
 *
 * <p>SFT row of one example: the conversation (user = instruction with its input, assistant = response; the
 * example's turns when it has several) goes through {@link ChatEncoder#encode}, giving ids and a 0/1 mask on the
 * reply and its end-of-turn token. Position t feeds {@code ids[t]} and predicts {@code ids[t+1]} with weight
 * {@code mask[t+1] * exampleWeight}, so prompt tokens never count and an example of weight 0 contributes nothing
 * (MAIN's weighted retraining).
 *
 * <p>Truncation: a conversation longer than {@code seqLen + 1} tokens keeps its first {@code seqLen + 1} tokens
 * (cut from the right, as LLaMA-Factory's cutoff_len and torchtune's max_seq_len do), so the prompt start and the
 * beginning of the reply survive and the end of the reply is lost. A row whose reply is cut entirely has only zero
 * weights and is counted in {@link Rows#emptyRows()}.
 */
public final class SftBatches {

    private SftBatches() {}

    /**
     * @param batch      every row, {@code [examples][seqLen]}
     * @param truncated  rows whose conversation was longer than {@code seqLen + 1} tokens
     * @param emptyRows  rows with no non-zero weight (weight 0, or reply cut by truncation)
     */
    public record Rows(TokenBatch batch, int truncated, int emptyRows) {}

    /**
     * One SFT row per example.
     *
     * @param weights per-example loss weights (finite, >= 0), same order as {@code examples}
     * @throws UserInputException for an unlabelled example (no instruction), naming its file and line
     */
    public static Rows sft(List<Example> examples, double[] weights, ChatEncoder encoder, int seqLen) {
        if (seqLen < 1) throw new IllegalArgumentException("seq_len must be >= 1, got " + seqLen);
        if (examples.isEmpty()) throw new IllegalArgumentException("no examples to train on");
        if (weights.length != examples.size()) {
            throw new IllegalArgumentException(examples.size() + " examples but " + weights.length + " weights");
        }
        int n = examples.size();
        int[][] in = new int[n][seqLen];
        int[][] out = new int[n][seqLen];
        double[][] w = new double[n][seqLen];
        int truncated = 0;
        int empty = 0;
        for (int r = 0; r < n; r++) {
            Example e = examples.get(r);
            double weight = weights[r];
            if (!(weight >= 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("weight of example " + e.id() + " must be finite and >= 0, got "
                        + weight);
            }
            EncodedChat chat = encoder.encode(messages(e));
            int[] ids = chat.ids();
            int length = Math.min(ids.length - 1, seqLen);
            if (ids.length - 1 > seqLen) truncated++;
            boolean any = false;
            for (int t = 0; t < length; t++) {
                in[r][t] = ids[t];
                out[r][t] = ids[t + 1];
                w[r][t] = chat.lossMask()[t + 1] * weight;
                if (w[r][t] != 0) any = true;
            }
            if (!any) empty++;
        }
        return new Rows(new TokenBatch(in, out, w), truncated, empty);
    }

    /** The conversation of an example: its turns, or user = instruction (+ input), assistant = response. */
    static List<ChatMessage> messages(Example e) {
        if (!e.isPair()) {
            throw new UserInputException(e.sourceFile() + " line " + e.line() + " (id " + e.id()
                    + "): expected an instruction-response pair for SFT, found an unlabelled response");
        }
        List<ChatMessage> messages = new ArrayList<>();
        if (e.turns().isEmpty()) {
            messages.add(ChatMessage.user(e.fullInstruction()));
            messages.add(ChatMessage.assistant(e.response()));
            return messages;
        }
        for (Example.Turn t : e.turns()) {
            ChatMessage.Role role = switch (t.role()) {
                case "user" -> ChatMessage.Role.USER;
                case "assistant" -> ChatMessage.Role.ASSISTANT;
                case "system" -> ChatMessage.Role.SYSTEM;
                default -> throw new UserInputException(e.sourceFile() + " line " + e.line() + " (id " + e.id()
                        + "): expected role user, assistant or system, found \"" + t.role() + "\"");
            };
            messages.add(new ChatMessage(role, t.content()));
        }
        return messages;
    }

    /**
     * Pretraining rows: the token streams are concatenated in order and cut into windows of {@code seqLen + 1}
     * tokens that overlap by one (each window's last token is the next one's first input), so every token but the
     * first is a target exactly once; every position has weight 1. The tail shorter than a full window is dropped.
     * Streams should carry their own BOS/EOS separators (e.g. {@code tokenizer.encode(text, true)} plus EOS).
     *
     * @throws IllegalArgumentException when the streams hold fewer than {@code seqLen + 1} tokens
     */
    public static TokenBatch packed(List<int[]> streams, int seqLen) {
        if (seqLen < 1) throw new IllegalArgumentException("seq_len must be >= 1, got " + seqLen);
        int total = 0;
        for (int[] s : streams) total += s.length;
        int rows = total <= seqLen ? 0 : (total - 1) / seqLen;
        if (rows == 0) {
            throw new IllegalArgumentException("the text has " + total + " tokens, fewer than one row of seq_len + 1 = "
                    + (seqLen + 1));
        }
        int[] all = new int[total];
        int at = 0;
        for (int[] s : streams) {
            System.arraycopy(s, 0, all, at, s.length);
            at += s.length;
        }
        int[][] windows = new int[rows][seqLen + 1];
        for (int r = 0; r < rows; r++) System.arraycopy(all, r * seqLen, windows[r], 0, seqLen + 1);
        return TokenBatch.nextToken(windows);
    }
}
