package dev.mutual.experiments.serve;

import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.eval.model.ModelTextGenerator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;

/**
 * One choice of a request as the engine produces it: the tokens, their text (cut before the first stop string),
 * logprobs when asked, and why it ended. With streaming it also hands the text on as it grows: only text that can no
 * longer change (not the start of a stop string, not a partial UTF-8 character) is sent.
 */
final class Choice implements BatchEngine.Listener {
    /** A piece of streamed text for choice {@code index}; {@code finish} is set on its last event. */
    record Event(int index, String delta, String finish, RuntimeException error) {}

    /** Prompt tokens decoded before the new ones, so a word-initial space of the first new token survives. */
    private static final int TAIL = 8;

    final int index;
    private final TextTokenizer tokenizer;
    private final int[] tail;
    private final List<String> stops;
    private final BlockingQueue<Event> stream;
    private final CountDownLatch done;
    final List<Integer> ids = new ArrayList<>();
    final List<Double> logprobs = new ArrayList<>();
    final List<BatchEngine.Top> tops = new ArrayList<>();
    double[] promptLogprobs;
    BatchEngine.Top[] promptTops;
    String text = "";
    private String sent = "";
    /** "stop" or "length" once finished. */
    String finish;
    RuntimeException error;
    /** New tokens the model produced, the stop token included. */
    int completionTokens;
    volatile boolean cancelled;

    /** @param stream where streamed pieces go, or null when the reply is sent whole */
    Choice(int index, TextTokenizer tokenizer, int[] prompt, List<String> stops, BlockingQueue<Event> stream, CountDownLatch done) {
        this.index = index;
        this.tokenizer = tokenizer;
        this.tail = Arrays.copyOfRange(prompt, Math.max(0, prompt.length - TAIL), prompt.length);
        this.stops = stops;
        this.stream = stream;
        this.done = done;
    }

    @Override
    public void prompt(double[] logprobs, BatchEngine.Top[] top) {
        this.promptLogprobs = logprobs;
        this.promptTops = top;
    }

    @Override
    public boolean token(int id, double logprob, BatchEngine.Top top) {
        ids.add(id);
        logprobs.add(logprob);
        tops.add(top);
        completionTokens++;
        String full = ModelTextGenerator.continuation(tokenizer, tail, toInts(ids));
        int cut = firstStop(full);
        if (cut >= 0) {
            text = full.substring(0, cut);
            end("stop");
            return false;
        }
        text = full;
        if (stream != null) send(false);
        return !cancelled;
    }

    @Override
    public void finished(int stopToken) {
        if (stopToken >= 0) completionTokens++;
        end(stopToken >= 0 ? "stop" : "length");
    }

    @Override
    public void failed(RuntimeException e) {
        if (finish != null || error != null) return; // already answered (a pass that failed after this choice ended)
        error = e;
        if (stream != null) stream.add(new Event(index, "", null, e));
        done.countDown();
    }

    private void end(String why) {
        finish = why;
        if (stream != null) send(true);
        done.countDown();
    }

    /** Sends what is new of the text; before the end, holds back what a stop string or a split character may change. */
    private void send(boolean last) {
        String ready = text;
        if (!last) {
            int keep = ready.length();
            while (keep > 0 && ready.charAt(keep - 1) == '\uFFFD') keep--;
            for (String s : stops) {
                for (int k = Math.min(s.length() - 1, keep); k > 0; k--) {
                    if (ready.startsWith(s.substring(0, k), keep - k)) {
                        keep = Math.min(keep, keep - k);
                        break;
                    }
                }
            }
            ready = ready.substring(0, keep);
        }
        String delta = ready.startsWith(sent) ? ready.substring(sent.length()) : "";
        if (ready.startsWith(sent)) sent = ready;
        if (!delta.isEmpty() || last) stream.add(new Event(index, delta, last ? finish : null, null));
    }

    private int firstStop(String s) {
        int best = -1;
        for (String stop : stops) {
            int at = s.indexOf(stop);
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best;
    }

    static int[] toInts(List<Integer> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }
}
