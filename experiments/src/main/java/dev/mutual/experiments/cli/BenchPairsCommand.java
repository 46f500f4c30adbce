package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.UserInputException;
import dev.mutual.experiments.main.MainMethod;
import dev.mutual.trainer.ProcessUsage;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.inference.Scorer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code mutual bench pairs}: MAIN's pair scoring as the score_pairs stage asks one model for it: per candidate
 * pair (x̂, y'), the conditional request (BOS, chat wrapping, x̂, wrapping; target y' + end of turn) and the
 * unconditional one (BOS; the same target), scored by the trainer's {@link Scorer} in packed batches, and the forward
 * PMI from {@link MainMethod}. Random ids on a random ~20M-parameter model; pairs/s and tokens/s (every position the
 * model runs over) per batch size. tools/hf_main_bench.py builds the same requests for transformers.
 *
 * <p>Lengths of pair i: instruction {@code min + (7 i mod (max - min + 1))} tokens, response
 * {@code min + (37 i mod (max - min + 1))}; 3 template ids before and after the instruction, 1 after the response.
 */
@Command(name = "pairs", mixinStandardHelpOptions = true,
        description = "MAIN pair scoring speed (conditional + unconditional request per pair, the trainer's Scorer) on a random "
                + "19.3M-parameter model; pairs/s and tokens/s, one JSON line per batch size.")
final class BenchPairsCommand implements Callable<Integer> {
    /** Ids standing in for the chat template around the instruction, and the end-of-turn id after the response. */
    static final int[] BEFORE = {4, 5, 6}, AFTER = {7, 8, 9};
    static final int END_OF_TURN = 2;

    @Mixin BenchModelOptions model;

    @Option(names = "--batch", split = ",", defaultValue = "16,64",
            description = "Requests per packed batch, two per pair (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--pairs", defaultValue = "128", description = "Pairs scored per batch size (default: ${DEFAULT-VALUE}).")
    @Range(min = 1)
    int pairs;

    @Option(names = "--instruction-tokens", split = ",", defaultValue = "16,64",
            description = "Shortest and longest instruction x̂, tokens (default: ${DEFAULT-VALUE}).")
    List<Integer> instructionTokens;

    @Option(names = "--response-tokens", split = ",", defaultValue = "64,192",
            description = "Shortest and longest response y', tokens (default: ${DEFAULT-VALUE}).")
    List<Integer> responseTokens;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        for (int b : batches) if (b < 1) throw new UserInputException("--batch: expected sizes >= 1, found " + b);
        int[] ins = range("--instruction-tokens", instructionTokens), res = range("--response-tokens", responseTokens);
        List<Scorer.Request> requests = requests(pairs, ins, res, model.vocab);
        int longest = 0;
        long tokens = 0, targetTokens = 0;
        for (Scorer.Request r : requests) {
            longest = Math.max(longest, r.length());
            tokens += r.length();
            targetTokens += r.target().length;
        }
        ObjectMapper json = new ObjectMapper();
        try (Decoder d = model.decoder(longest)) {
            long params = d.weights().parameterCount();
            // Warm-up: until C2 has compiled the vector kernels they run through slow fallbacks (BENCHMARKS.md).
            for (int pass = 0; pass < 2; pass++) new Scorer(d, 16).score(requests.subList(0, Math.min(32, requests.size())), null);
            for (int b : batches) {
                long t0 = System.nanoTime(), c0 = ProcessUsage.cpuNanos();
                List<Scorer.Score> scores = new Scorer(d, b).score(requests, null);
                double s = (System.nanoTime() - t0) / 1e9, cpu = (ProcessUsage.cpuNanos() - c0) / 1e9;
                double pmi = 0;
                for (int i = 0; i < pairs; i++) {
                    Scorer.Score conditional = scores.get(2 * i), unconditional = scores.get(2 * i + 1);
                    pmi += MainMethod.forwardPmi(conditional.sumLogprob(), unconditional.sumLogprob(), conditional.tokenLogprobs().length);
                }
                ObjectNode o = json.createObjectNode();
                o.put("bench", "pairs");
                o.put("config", model.describe());
                o.put("parameters", params);
                o.put("threads", model.threads);
                o.put("batch", b);
                o.put("pairs", pairs);
                o.put("requests", requests.size());
                o.put("tokens", tokens);
                o.put("target_tokens", targetTokens);
                o.put("seconds", s);
                o.put("pairs_per_s", Math.round(pairs / s * 10) / 10.0);
                o.put("tokens_per_s", Math.round(tokens / s));
                o.put("cpu_seconds", cpu);
                o.put("load_average", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                o.put("peak_rss_mb", (long) ProcessUsage.peakRssMb());
                o.put("mean_forward_pmi", pmi / pairs);
                spec.commandLine().getOut().println(o);
                spec.commandLine().getOut().flush();
            }
        }
        return 0;
    }

    private static int[] range(String option, List<Integer> v) {
        if (v.size() != 2 || v.get(0) < 1 || v.get(1) < v.get(0)) {
            throw new UserInputException(option + ": expected MIN,MAX with 1 <= MIN <= MAX, found " + v);
        }
        return new int[] {v.get(0), v.get(1)};
    }

    /** Two requests per pair, conditional then unconditional, random ids from the pair's own seed. */
    static List<Scorer.Request> requests(int pairs, int[] ins, int[] res, int vocab) {
        List<Scorer.Request> out = new ArrayList<>(2 * pairs);
        for (int i = 0; i < pairs; i++) {
            Random r = new Random(i);
            int ni = ins[0] + (7 * i) % (ins[1] - ins[0] + 1), nr = res[0] + (37 * i) % (res[1] - res[0] + 1);
            int[] prompt = new int[1 + BEFORE.length + ni + AFTER.length];
            prompt[0] = 1;
            System.arraycopy(BEFORE, 0, prompt, 1, BEFORE.length);
            for (int j = 0; j < ni; j++) prompt[1 + BEFORE.length + j] = 10 + r.nextInt(vocab - 10);
            System.arraycopy(AFTER, 0, prompt, 1 + BEFORE.length + ni, AFTER.length);
            int[] target = new int[nr + 1];
            for (int j = 0; j < nr; j++) target[j] = 10 + r.nextInt(vocab - 10);
            target[nr] = END_OF_TURN;
            out.add(new Scorer.Request(prompt, target));
            out.add(new Scorer.Request(new int[] {1}, target));
        }
        return out;
    }
}
