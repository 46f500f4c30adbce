package dev.mutual.experiments.main;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MAIN, "Mutual Alignment Is Necessary for instruction tuning": the quality of an instruction-response pair lies in
 * how well the two fit each other. This class is the method in one place: {@link #plan} is the loop that turns a
 * recipe's {@code main:} block into the stages that do the heavy work (train, synthesize, score_pairs, select, mix,
 * eval, report, each cached and resumable on its own), and below it are the formulas, once each, that those
 * stages call.
 *
 * <p>Seed pairs (x, y) and unlabelled responses y'. A forward model p(y|x) and a reverse model p(x|y) are trained on
 * the seed. Each round (EM-style): the reverse model writes k candidate instructions x̂ for every y' (E-step, with the
 * filter below), each pair is scored in both directions against the unconditional likelihood, the pairs both
 * directions support are kept, and both models are retrained on seed + kept pairs with weights that balance synthetic
 * against seed data and trust synthetic data more as rounds go on (M-step). The final forward model is the product.
 */
public final class MainMethod {

    private MainMethod() {}

    /** The strategies a recipe can train beside MAIN, one switch each ({@code main.baselines}). */
    public static final List<String> BASELINES = List.of("seed_only", "backtranslation", "random_k", "forward_only",
            "reverse_only", "humpback_a5", "humpback_a4");

    /**
     * The {@code main:} keys that are blocks of stage keys, merged into the stages of that kind: {@code train} into
     * every train stage, then {@code forward} or {@code reverse} by direction; {@code select} and {@code mix} into
     * MAIN's rounds, {@code baseline_select} and {@code baseline_mix} into the baselines' (whose mode the plan sets;
     * plain weight-1 SFT unless baseline_mix says otherwise); the others into their stage type.
     */
    public static final List<String> BLOCKS = List.of("train", "forward", "reverse", "synthesize", "score", "select",
            "mix", "baseline_select", "baseline_mix", "curate", "diagnose", "eval", "pairwise", "report", "table");

    /** The stage types whose {@code seed} a training seed ({@code main.training_seeds}) sets. */
    public static final List<String> SEEDED = List.of("train", "synthesize", "select");

    /** Humpback's system prompts, which tag seed and synthetic data apart in its self-curation baselines. */
    static final String HUMPBACK_SEED_SYSTEM = "Answer in the style of an AI Assistant.";
    static final String HUMPBACK_SYNTHETIC_SYSTEM = "Answer with knowledge from web search.";

    /**
     * The stages of MAIN and its baselines, in order. {@code evaluate}: the recipe has an {@code eval} block, so every
     * strategy's final forward model is evaluated and a report compares them.
     */
    public static List<PlannedStage> plan(MainSettings m, boolean evaluate) {
        return plan(m, evaluate, false);
    }

    /**
     * As {@link #plan(MainSettings, boolean)}; {@code pairwise}: the recipe has a {@code pairwise} block, so every eval
     * stage answers its prompts and each strategy's answers are judged against the baseline's.
     */
    public static List<PlannedStage> plan(MainSettings m, boolean evaluate, boolean pairwise) {
        Plan p = new Plan();
        String seed = m.seedStage(), pool = m.poolStage();
        boolean humpback = m.baselines().stream().anyMatch(b -> b.startsWith("humpback"));

        // Round 0: the forward model p(y|x) and the reverse model p(x|y), both trained on the seed pairs.
        p.train("forward_r0", "forward", seed, base(m));
        p.train("reverse_r0", "reverse", seed, base(m));

        for (int r = 1; r <= m.rounds(); r++) {
            String previous = "_r" + (r - 1), round = "_r" + r;
            // E-step. The reverse model writes k candidate instructions x̂ for every unlabelled response y' ...
            p.add("synthesize" + round, "synthesize", List.of("synthesize"),
                    Map.of("model_stage", "reverse" + previous, "pool_stage", pool, "round", r));
            // ... each pair is scored both ways against the unconditional likelihood (forwardPmi, reversePmi below) ...
            p.add("score" + round, "score_pairs", List.of("score"), Map.of("candidates_stage", "synthesize" + round,
                    "forward_stage", "forward" + previous, "reverse_stage", "reverse" + previous));
            // ... and only the pairs that both directions support are kept.
            p.add("select" + round, "select", List.of("select"), Map.of("scores_stage", "score" + round));
            if (m.diagnostics()) {
                // How well the scores separate the pool's gold pairs from mismatched ones (when it knows them) ...
                Map<String, Object> diagnose = new LinkedHashMap<>(Map.of("pool_stage", pool,
                        "forward_stage", "forward" + previous, "reverse_stage", "reverse" + previous, "round", r));
                if (humpback && m.rateInDiagnostics()) {  // ... and so does a Humpback baseline's rating: main.curate's rater, this round's forward model
                    diagnose.put("rating", new PlannedStage.Nested(List.of("curate"), Map.of("model_stage", "forward" + previous)));
                }
                p.add("diagnose" + round, "diagnose", List.of("diagnose"), diagnose);
            }
            // M-step. Seed + kept pairs, weighted (syntheticShare, syntheticWeights below), retrain both models:
            // from the base, or from the previous round's models with continue_training.
            p.add("mix" + round, "mix", List.of("mix"), Map.of("seed_stage", seed, "selected_stage", "select" + round,
                    "round", r, "rounds", m.rounds()));
            p.train("forward" + round, "forward", "mix" + round,
                    m.continueTraining() ? Map.of("model_stage", "forward" + previous) : base(m));
            if (r < m.rounds()) {  // the last round's reverse model would write nothing: not trained
                p.train("reverse" + round, "reverse", "mix" + round,
                        m.continueTraining() ? Map.of("model_stage", "reverse" + previous) : base(m));
            }
        }
        // The final forward model is the product.
        Map<String, String> strategies = new LinkedHashMap<>();
        strategies.put("main", "forward_r" + m.rounds());

        // Baselines, on round 1's candidates and scores, each trained once from the base on seed + its selection.
        for (String b : m.baselines()) {
            if (b.equals("seed_only")) {
                strategies.put(b, "forward_r0");
                continue;
            }
            Map<String, Object> select = new LinkedHashMap<>();
            select.put("scores_stage", "score_r1");
            switch (b) {
                case "backtranslation" -> {  // every response with the first instruction sampled for it, unfiltered
                    select.put("mode", "none");
                    select.put("candidates", "first");
                }
                case "random_k" -> {  // as many pairs as MAIN kept in round 1, drawn at random
                    select.put("mode", "random");
                    select.put("size_stage", "select_r1");
                }
                case "forward_only", "reverse_only" -> select.put("mode", b);
                default -> {  // humpback_a5, humpback_a4: the seed model rates each pair 1-5 and keeps the best-rated
                    if (!p.has("curate_r1")) {
                        p.add("curate_r1", "curate", List.of("curate"), Map.of("pairs_stage", "score_r1",
                                "model_stage", "forward_r0"));
                    }
                    select.put("mode", "rating");
                    select.put("ratings_stage", "curate_r1");
                    select.put("min_rating", b.equals("humpback_a5") ? 5 : 4);
                    select.put("allow_empty", true);  // a rater that never gives a 5 leaves A5 the seed alone
                }
            }
            p.add("select_" + b, "select", List.of("baseline_select"), select);
            Map<String, Object> mix = new LinkedHashMap<>();
            mix.put("seed_stage", seed);
            mix.put("selected_stage", "select_" + b);
            if (b.startsWith("humpback")) {
                mix.put("seed_system", HUMPBACK_SEED_SYSTEM);
                mix.put("synthetic_system", HUMPBACK_SYNTHETIC_SYSTEM);
            }
            p.add("mix_" + b, "mix", List.of("baseline_mix"), mix);
            p.train("forward_" + b, "forward", "mix_" + b, base(m));
            strategies.put(b, "forward_" + b);
        }

        if (evaluate) {
            Map<String, Object> evals = new LinkedHashMap<>();
            String baseline = strategies.containsKey("seed_only") ? "seed_only" : "main";
            for (Map.Entry<String, String> s : strategies.entrySet()) {
                Map<String, Object> eval = new LinkedHashMap<>();
                eval.put("model_stage", s.getValue());
                if (pairwise) {  // the baseline answers; every other strategy's answers are judged against them
                    eval.put("pairwise", new PlannedStage.Nested(List.of("pairwise"),
                            s.getKey().equals(baseline) ? Map.of() : Map.of("against", "eval_" + baseline)));
                }
                // Humpback's models answer in the style of their seed data: they are asked with its tag
                if (s.getKey().startsWith("humpback")) eval.put("system", HUMPBACK_SEED_SYSTEM);
                p.add("eval_" + s.getKey(), "eval", List.of("eval"), eval);
                evals.put(s.getKey(), "eval_" + s.getKey());
            }
            List<String> diagnose = new ArrayList<>(), select = new ArrayList<>(), costs = new ArrayList<>();
            for (PlannedStage s : p.stages) {
                if (s.type().equals("diagnose")) diagnose.add(s.name());
                if (s.type().equals("select")) select.add(s.name());
                costs.add(s.name());
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("strategies", evals);
            report.put("baseline", baseline);
            report.put("diagnostics", diagnose);
            report.put("selections", select);
            report.put("costs", costs);
            p.add("report", "report", List.of("report"), report);
        }
        return List.copyOf(p.stages);
    }

    /** Where a model trained "from the base" starts: the base stage's model, the base model, or the train block's init. */
    private static Map<String, Object> base(MainSettings m) {
        if (m.baseStage() != null) return Map.of("model_stage", m.baseStage());
        if (m.baseModel() != null) return Map.of("model", m.baseModel().toString());
        return Map.of();
    }

    /** The stages planned so far, in order. */
    private static final class Plan {
        final List<PlannedStage> stages = new ArrayList<>();

        void add(String name, String type, List<String> blocks, Map<String, Object> keys) {
            stages.add(new PlannedStage(name, type, blocks, keys));
        }

        boolean has(String name) {
            return stages.stream().anyMatch(s -> s.name().equals(name));
        }

        /** A train stage in {@code direction} on {@code dataStage}'s pairs, starting from {@code start}. */
        void train(String name, String direction, String dataStage, Map<String, Object> start) {
            Map<String, Object> keys = new LinkedHashMap<>(start);
            keys.put("direction", direction);
            keys.put("data_stage", dataStage);
            add(name, "train", List.of("train", direction), keys);
        }
    }

    // ---- Scoring: how well an instruction and a response fit, each way ----

    /**
     * Forward support: how much the instruction raises the likelihood of the response, per response token,
     * [log p(y'|x̂) − log p(y')] / |y'| (a length-normalised pointwise mutual information, in nats per token).
     */
    public static double forwardPmi(double logpResponseGivenInstruction, double logpResponse, int responseTokens) {
        return (logpResponseGivenInstruction - logpResponse) / responseTokens;
    }

    /** Reverse support: [log p(x̂|y') − log p(x̂)] / |x̂|, how much the response raises the likelihood of the instruction. */
    public static double reversePmi(double logpInstructionGivenResponse, double logpInstruction, int instructionTokens) {
        return (logpInstructionGivenResponse - logpInstruction) / instructionTokens;
    }

    /** One number for a pair's mutual fit, for ranking and weighting: the two supports added. */
    public static double mutual(double forwardPmi, double reversePmi) {
        return forwardPmi + reversePmi;
    }

    /**
     * The forward-only baseline's score, instruction-following difficulty (Li et al. 2024, "From Quantity to
     * Quality"): the response's loss with the instruction over its loss alone, L(y'|x̂) / L(y'), with L the mean
     * negative log-likelihood per token. Below 1 the instruction helps; lower is better aligned.
     */
    public static double ifd(double logpResponseGivenInstruction, double logpResponse) {
        return logpResponseGivenInstruction / logpResponse;
    }

    // ---- Weighting: how much each kept synthetic pair counts in retraining (seed pairs weigh 1) ----

    /** How the synthetic pairs of a round are weighted against the seed pairs. */
    public enum Weighting {
        /** Every synthetic pair weighs 1, as a seed pair does. */
        CONSTANT,
        /** Synthetic pairs together carry {@code synthetic_share} of all the weight, equally. */
        SIZE_BALANCED,
        /** The same total as SIZE_BALANCED, spread by a softmax of the pairs' mutual scores at a temperature. */
        SCORE_SOFTMAX,
        /** SCORE_SOFTMAX with a share that grows with the round: synthetic data is trusted more as the models improve. */
        ROUND_RAMP
    }

    /**
     * The share of all training weight that synthetic pairs carry in {@code round} of {@code rounds}: the recipe's
     * {@code share}, except that ROUND_RAMP grows it linearly, share × round / rounds (so round 1 of 3 trusts synthetic
     * data a third as much as the last round).
     */
    public static double syntheticShare(Weighting mode, double share, int round, int rounds) {
        return mode == Weighting.ROUND_RAMP ? share * round / rounds : share;
    }

    /**
     * The loss weight of each kept synthetic pair, given the seed size (each seed pair weighs 1).
     *
     * @param scores      the pairs' mutual scores (used by SCORE_SOFTMAX and ROUND_RAMP)
     * @param seedPairs   how many seed pairs train beside them
     * @param share       the synthetic share of all weight, in (0, 1) (see {@link #syntheticShare})
     * @param temperature softmax temperature: large spreads weight evenly, small gives it to the best pairs
     */
    public static double[] syntheticWeights(Weighting mode, double[] scores, int seedPairs, double share, double temperature) {
        int n = scores.length;
        double[] w = new double[n];
        if (n == 0) return w;
        if (mode == Weighting.CONSTANT) {
            java.util.Arrays.fill(w, 1.0);
            return w;
        }
        // total synthetic weight T with T / (T + seedPairs) = share
        double total = share / (1 - share) * seedPairs;
        if (mode == Weighting.SIZE_BALANCED) {
            java.util.Arrays.fill(w, total / n);
            return w;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double s : scores) max = Math.max(max, s);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            w[i] = Math.exp((scores[i] - max) / temperature);
            sum += w[i];
        }
        for (int i = 0; i < n; i++) w[i] = total * w[i] / sum;
        return w;
    }
}
