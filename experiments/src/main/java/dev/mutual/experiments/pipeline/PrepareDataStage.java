package dev.mutual.experiments.pipeline;

import dev.mutual.data.prepare.DataPreparer;
import dev.mutual.data.prepare.ParallelMap;
import dev.mutual.data.prepare.PrepareConfig;
import dev.mutual.data.prepare.PrepareStats;
import dev.mutual.data.prepare.LengthFilter;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.data.tokenizer.TokenizerFiles;
import dev.mutual.experiments.recipe.DataSourceConfig;
import dev.mutual.experiments.recipe.EvalSetConfig;
import dev.mutual.experiments.recipe.NearDedupConfig;
import dev.mutual.experiments.recipe.PrepareDataConfig;
import dev.mutual.experiments.recipe.SparkSettings;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage {@code prepare_data}: {@link DataPreparer} on the recipe's sources. Outputs {@code data.jsonl},
 * {@code dropped.jsonl} and {@code stats.json}. Token bounds count with the stage's {@code tokenizer}, without
 * special tokens. Preparation is one pass over files that fit in memory, so it is
 * not {@link #resumable()}: an interrupted attempt starts over.
 */
final class PrepareDataStage implements Stage {

    /** Bump when a change here or in DataPreparer alters data.jsonl, dropped.jsonl or stats.json. */
    static final int CODE_VERSION = 1;

    private final PrepareConfig config;
    private final Path tokenizer;
    private final String runner;
    private final SparkSettings spark;

    /** @param recipeRunner the recipe's runner, used when the stage sets none */
    PrepareDataStage(PrepareDataConfig recipe, long recipeSeed, String recipeRunner, SparkSettings spark) {
        this.config = toPrepareConfig(recipe, recipeSeed);
        this.tokenizer = recipe.tokenizer();
        this.runner = recipe.runner() == null ? recipeRunner : recipe.runner();
        this.spark = spark;
    }

    static PrepareConfig toPrepareConfig(PrepareDataConfig r, long recipeSeed) {
        List<PrepareConfig.Source> sources = new ArrayList<>();
        for (DataSourceConfig s : r.sources()) {
            sources.add(new PrepareConfig.Source(s.path(), s.format() == null ? null : s.format().id, s.skipInvalid(),
                    s.limit(), s.unlabelled()));
        }
        NearDedupConfig n = r.nearDedup();
        PrepareConfig.NearDedup nearDedup = new PrepareConfig.NearDedup(n.enabled(), n.shingleSize(), n.numPerm(),
                n.threshold(), n.seed() == null ? recipeSeed : n.seed());
        List<PrepareConfig.EvalSet> evalSets = new ArrayList<>();
        for (EvalSetConfig e : r.decontamination().evalSets()) evalSets.add(new PrepareConfig.EvalSet(e.name(), e.path()));
        PrepareConfig.Decontamination decontamination = new PrepareConfig.Decontamination(r.decontamination().enabled(),
                r.decontamination().ngram(), r.decontamination().minPromptWords(), evalSets);
        return new PrepareConfig(sources, r.normalize(), r.minChars(), r.maxChars(), r.minTokens(), r.maxTokens(), r.exactDedup(),
                nearDedup, decontamination);
    }

    @Override
    public int codeVersion() {
        return CODE_VERSION;
    }

    @Override
    public List<Path> inputFiles() {
        List<Path> files = new ArrayList<>();
        for (PrepareConfig.Source s : config.sources()) files.add(s.path());
        for (PrepareConfig.EvalSet e : config.decontamination().evalSets()) files.add(e.path());
        if (tokenizer != null && config.needsTokenCounter()) {
            // Every file TextTokenizer.load reads (a folder's tokenizer.json.gz included).
            files.addAll(TokenizerFiles.of(tokenizer));
        }
        return files;
    }

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        PrepareStats stats;
        // Only the per-example parts go to the runner; DataPreparer decides keep/drop here, as with runner: local.
        ParallelMap parallel = ShardRunner.named(runner).parallelMap(ctx.name(), spark);
        if (config.needsTokenCounter()) {
            try (TextTokenizer counter = TextTokenizer.load(tokenizer)) {
                stats = DataPreparer.prepare(config, ctx.workDir(), LengthFilter.tokenCounter(counter), parallel);
            }
        } else {
            stats = DataPreparer.prepare(config, ctx.workDir(), null, parallel);
        }
        Map<String, Number> metrics = new LinkedHashMap<>();
        long read = 0;
        for (PrepareStats.SourceStats s : stats.sources()) read += s.examples();
        metrics.put("examples_read", read);
        metrics.put("kept", stats.kept());
        metrics.put("dropped", stats.dropped());
        for (var stage : stats.stages()) {
            if (!stage.stage().equals("read")) metrics.put("dropped_" + stage.stage(), stage.dropped());
        }
        return new StageResult(metrics);
    }
}
