package dev.mutual.trainer.train;

import dev.mutual.data.Example;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.chat.EncodedChat;
import dev.mutual.trainer.engine.TokenBatch;

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
        return sft(examples, weights, encoder, seqLen, new int[examples.size()]);
    }

    /** {@link #sft}, also giving each row's used length (positions before its padding) in {@code lengths}. */
    private static Rows sft(List<Example> examples, double[] weights, ChatEncoder encoder, int seqLen, int[] lengths) {
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
            lengths[r] = length;
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
     * SFT rows with several examples packed into each row (for the eager engine, whose attention is block-diagonal
     * over {@link TokenBatch#segments}): each example's positions are laid out as in {@link #sft} (same truncation,
     * same weights) and appended to the current row while they fit, else a new row starts; examples keep their
     * order. Positions restart at 0 per example; the row's tail is padding (id 0, weight 0) in a segment of its own.
     * A packed row gives each example exactly the loss and gradient it has alone (EagerPackingTest).
     *
     * @return rows (fewer than examples); {@link Rows#emptyRows()} counts examples without a weighted token
     */
    public static Rows sftPacked(List<Example> examples, double[] weights, ChatEncoder encoder, int seqLen) {
        int[] lengths = new int[examples.size()];
        Rows single = sft(examples, weights, encoder, seqLen, lengths);
        TokenBatch one = single.batch();
        List<int[]> in = new ArrayList<>();
        List<int[]> out = new ArrayList<>();
        List<double[]> w = new ArrayList<>();
        List<int[]> pos = new ArrayList<>();
        List<int[]> seg = new ArrayList<>();
        int used = seqLen;   // forces a first row
        int segment = 0;
        for (int r = 0; r < one.batchSize(); r++) {
            int length = lengths[r];
            if (used + length > seqLen) {
                padRow(in, out, w, pos, seg, used, segment);
                in.add(new int[seqLen]);
                out.add(new int[seqLen]);
                w.add(new double[seqLen]);
                pos.add(new int[seqLen]);
                seg.add(new int[seqLen]);
                used = 0;
                segment = 0;
            }
            int row = in.size() - 1;
            for (int t = 0; t < length; t++) {
                in.get(row)[used + t] = one.inputIds()[r][t];
                out.get(row)[used + t] = one.targetIds()[r][t];
                w.get(row)[used + t] = one.lossWeights()[r][t];
                pos.get(row)[used + t] = t;
                seg.get(row)[used + t] = segment;
            }
            used += length;
            segment++;
        }
        padRow(in, out, w, pos, seg, used, segment);
        TokenBatch packed = new TokenBatch(in.toArray(int[][]::new), out.toArray(int[][]::new),
                w.toArray(double[][]::new), pos.toArray(int[][]::new), seg.toArray(int[][]::new));
        return new Rows(packed, single.truncated(), single.emptyRows());
    }

    /** The last row's positions from {@code used} on: padding in a segment of its own, positions from 0. */
    private static void padRow(List<int[]> in, List<int[]> out, List<double[]> w, List<int[]> pos, List<int[]> seg,
                               int used, int segment) {
        if (in.isEmpty()) return;
        int row = in.size() - 1;
        for (int t = used; t < in.get(row).length; t++) {
            pos.get(row)[t] = t - used;
            seg.get(row)[t] = segment;
        }
    }

    /**
     * Pretraining rows: the token streams are concatenated in order and cut into windows of {@code seqLen + 1}
     * tokens that overlap by one (each window's last token is the next one's first input). Each position belongs to
     * the segment of the stream its input token comes from, with positions counted from the stream's start or the
     * row's, whichever is later, so no token attends across a stream boundary. Every position has weight 1 except
     * a stream's last token, whose target would be the next stream's first token (weight 0, as torchtune's packing,
     * which never predicts across samples). The tail shorter than a full window is dropped. Streams should carry
     * their own BOS/EOS separators (e.g. {@code tokenizer.encode(text, true)} plus EOS).
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
        int[] stream = new int[total];    // which stream each token comes from
        int[] start = new int[total];     // where that stream starts
        int at = 0;
        for (int i = 0; i < streams.size(); i++) {
            int[] s = streams.get(i);
            System.arraycopy(s, 0, all, at, s.length);
            for (int k = 0; k < s.length; k++) {
                stream[at + k] = i;
                start[at + k] = at;
            }
            at += s.length;
        }
        int[][] in = new int[rows][seqLen];
        int[][] out = new int[rows][seqLen];
        double[][] w = new double[rows][seqLen];
        int[][] pos = new int[rows][seqLen];
        int[][] seg = new int[rows][seqLen];
        for (int r = 0; r < rows; r++) {
            int rowStart = r * seqLen;
            for (int t = 0; t < seqLen; t++) {
                int g = rowStart + t;
                in[r][t] = all[g];
                out[r][t] = all[g + 1];
                w[r][t] = stream[g] == stream[g + 1] ? 1 : 0;
                pos[r][t] = g - Math.max(start[g], rowStart);
                seg[r][t] = stream[g] - stream[rowStart];
            }
        }
        return new TokenBatch(in, out, w, pos, seg);
    }
}
