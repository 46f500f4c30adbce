package dev.mutual.experiments.pipeline;

import dev.mutual.data.Progress;
import dev.mutual.data.UserInputException;
import dev.mutual.data.read.TextDocuments;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.train.SftBatches;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Pretraining data of the {@code train} stage ({@code objective: pretrain}): plain-text documents
 * ({@link TextDocuments}) tokenized one by one, each as BOS (when the tokenizer has one) + its text + EOS (when it has
 * one), and cut into rows by {@link SftBatches#packed}. Only the documents needed are read and tokenized:
 * {@code maxDocuments} and {@code maxTokens} stop the read early (the last document is cut to fit maxTokens).
 *
 * @param streams   each document's ids, in order
 * @param documents documents tokenized
 * @param tokens    ids in all streams
 * @param skipped   empty documents skipped
 */
record PretrainText(List<int[]> streams, int documents, long tokens, int skipped) {

    /**
     * @param maxDocuments stop after this many documents; 0 for no limit
     * @param maxTokens    stop when the streams hold this many ids; 0 for no limit
     * @param progress     where progress lines go (every 5 s and at the end)
     */
    static PretrainText read(Path data, TextTokenizer tokenizer, int maxDocuments, long maxTokens,
                             Consumer<String> progress) {
        List<int[]> streams = new ArrayList<>();
        long[] tokens = {0};
        boolean byTokens = maxTokens > 0;
        Progress p = new Progress(progress, "tokenize " + data.getFileName(), byTokens ? maxTokens : maxDocuments > 0 ? maxDocuments : -1,
                byTokens ? "tokens" : "documents", 5000);
        int bos = tokenizer.bosId().orElse(-1);
        int eos = tokenizer.eosId().orElse(-1);
        int skipped = TextDocuments.forEach(data, doc -> {
            int[] ids = tokenizer.encode(doc.text(), false);
            int n = ids.length + (bos >= 0 ? 1 : 0) + (eos >= 0 ? 1 : 0);
            int[] stream = new int[n];
            int at = 0;
            if (bos >= 0) stream[at++] = bos;
            System.arraycopy(ids, 0, stream, at, ids.length);
            if (eos >= 0) stream[n - 1] = eos;
            if (byTokens && tokens[0] + n > maxTokens) stream = Arrays.copyOf(stream, (int) (maxTokens - tokens[0]));
            streams.add(stream);
            tokens[0] += stream.length;
            p.update(byTokens ? tokens[0] : streams.size(), byTokens ? streams.size() + " documents"
                    : tokens[0] + " tokens");
            return !(byTokens && tokens[0] >= maxTokens) && !(maxDocuments > 0 && streams.size() >= maxDocuments);
        });
        p.finish(byTokens ? tokens[0] : streams.size(), byTokens ? streams.size() + " documents" : tokens[0] + " tokens");
        if (streams.isEmpty()) throw new UserInputException(data + ": no text to train on (every document is empty)");
        return new PretrainText(streams, streams.size(), tokens[0], skipped);
    }

    /**
     * Rows of {@code seqLen} positions. With {@code packing}, as {@link SftBatches#packed} makes them: each document
     * attends only to itself (segments follow documents) and its positions restart at 0, as SFT's {@code packing: true}
     * treats examples (eager engine only). Without, the same ids and weights with plain causal attention over the
     * whole row and positions 0..seqLen-1 (GPT-2 style, documents separated only by their BOS/EOS; any engine).
     * Either way a document's last token does not predict the next document's first (weight 0).
     *
     * @throws UserInputException when the text is shorter than one row
     */
    TokenBatch rows(Path data, int seqLen, boolean packing) {
        TokenBatch packed;
        try {
            packed = SftBatches.packed(streams, seqLen);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(data + ": " + e.getMessage() + " (add text, raise max_tokens/max_documents or"
                    + " lower seq_len)", e);
        }
        if (packing) return packed;
        return new TokenBatch(packed.inputIds(), packed.targetIds(), packed.lossWeights());
    }
}
