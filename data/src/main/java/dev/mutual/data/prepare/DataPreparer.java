package dev.mutual.data.prepare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.Example;
import dev.mutual.data.ExampleJson;
import dev.mutual.data.UserInputException;
import dev.mutual.data.read.DataReader;
import dev.mutual.data.read.EvalPrompt;
import dev.mutual.data.read.EvalPromptReader;
import dev.mutual.data.read.Format;
import dev.mutual.data.read.ReadResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * Reads the configured data files and runs the preparation stages in order (normalise, length filter, exact
 * dedup, near dedup, decontaminate), then writes into {@code outDir}, each file atomically:
 * <ul>
 *   <li>{@code data.jsonl}: the kept examples ({@link ExampleJson});</li>
 *   <li>{@code dropped.jsonl}: every dropped example with {@code stage}, {@code reason}, {@code detail} and, for
 *       decontamination, {@code eval_set}, {@code eval_prompt_id}, {@code field}, {@code ngram};</li>
 *   <li>{@code stats.json}: {@link PrepareStats}, written last, so its presence means the outputs are complete.</li>
 * </ul>
 */
public final class DataPreparer {
    private static final Logger log = LoggerFactory.getLogger(DataPreparer.class);
    public static final String DATA_FILE = "data.jsonl";
    public static final String DROPPED_FILE = "dropped.jsonl";
    public static final String STATS_FILE = "stats.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper STATS_JSON = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Path.class, ToStringSerializer.instance)) // not file:// URIs
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private DataPreparer() {
    }

    /**
     * Prepares the data; creates {@code outDir} when missing and replaces the three files in it.
     *
     * @param tokenCounter counts the tokens of a text for the token length filter; null when no token bound is set
     */
    public static PrepareStats prepare(PrepareConfig config, Path outDir, ToIntFunction<String> tokenCounter) {
        return prepare(config, outDir, tokenCounter, ParallelMap.LOCAL);
    }

    /**
     * As {@link #prepare(PrepareConfig, Path, ToIntFunction)}, with the stages' per-example work (MinHash
     * signatures, eval n-gram lookups) on {@code parallel}; the outputs are the same byte for byte.
     */
    public static PrepareStats prepare(PrepareConfig config, Path outDir, ToIntFunction<String> tokenCounter, ParallelMap parallel) {
        if (config.needsTokenCounter() && tokenCounter == null) {
            throw new UserInputException("data.min_tokens / data.max_tokens are set (" + config.minTokens() + " / "
                    + config.maxTokens() + ") but no tokenizer was given to count tokens (expected a tokenizer, found none)");
        }
        List<Example> examples = new ArrayList<>();
        List<PrepareStats.SourceStats> sources = new ArrayList<>();
        Map<String, Long> invalid = new TreeMap<>();
        long records = 0;
        for (PrepareConfig.Source source : config.sources()) {
            Format format = source.format() == null ? null : Format.byName(source.format());
            ReadResult read = DataReader.read(source.path(), new DataReader.Options(format, source.skipInvalid(), source.limit(), source.unlabelled()));
            long pairs = read.examples().stream().filter(Example::isPair).count();
            log.info("read {}: format {}, {} records, {} examples ({} pairs, {} unlabelled), {} invalid skipped", source.path(),
                    read.format().id, read.records(), read.examples().size(), pairs, read.examples().size() - pairs, read.skippedTotal());
            sources.add(new PrepareStats.SourceStats(source.path().toString(), read.format().id, read.records(),
                    read.examples().size(), pairs, read.skipped(), read.skippedLines()));
            examples.addAll(read.examples());
            records += read.records();
            read.skipped().forEach((reason, n) -> invalid.merge(reason, n, Long::sum));
        }

        List<StageStats> stageStats = new ArrayList<>();
        stageStats.add(stats("read", "files=" + config.sources().size(), records, examples, invalid, Map.of()));
        List<Stage.Dropped> dropped = new ArrayList<>();
        for (Stage stage : stages(config, tokenCounter)) {
            long started = System.nanoTime();
            Stage.Result result = stage.apply(examples, parallel);
            Map<String, Long> byReason = new TreeMap<>();
            Map<String, Long> evalHits = new LinkedHashMap<>();
            if (stage instanceof Decontaminator d) d.promptsPerSet().keySet().forEach(set -> evalHits.put(set, 0L));
            for (Stage.Dropped d : result.dropped()) {
                byReason.merge(d.reason(), 1L, Long::sum);
                if (d.match() != null) evalHits.merge(d.match().evalSet(), 1L, Long::sum);
            }
            log.info("{}: {} -> {} ({} dropped {}) in {} ms", stage.name(), examples.size(), result.kept().size(),
                    result.dropped().size(), byReason, (System.nanoTime() - started) / 1_000_000);
            stageStats.add(stats(stage.name(), stage.settings(), examples.size(), result.kept(), byReason, evalHits));
            dropped.addAll(result.dropped());
            examples = result.kept();
        }

        PrepareStats stats = new PrepareStats(config, sources, stageStats, examples.size(), dropped.size());
        write(outDir, examples, dropped, stats);
        return stats;
    }

    /** The stages the config asks for, in order. */
    static List<Stage> stages(PrepareConfig config, ToIntFunction<String> tokenCounter) {
        List<Stage> stages = new ArrayList<>();
        if (config.normalize()) stages.add(new TextNormalizer());
        if (config.minChars() != null || config.maxChars() != null || config.needsTokenCounter()) {
            stages.add(new LengthFilter(config.minChars(), config.maxChars(), config.minTokens(), config.maxTokens(), tokenCounter));
        }
        if (config.exactDedup()) stages.add(new ExactDedup());
        if (config.nearDedup().enabled()) stages.add(new NearDedup(config.nearDedup()));
        PrepareConfig.Decontamination decon = config.decontamination();
        if (decon.enabled() && !decon.evalSets().isEmpty()) {
            List<EvalPrompt> prompts = new ArrayList<>();
            for (PrepareConfig.EvalSet set : decon.evalSets()) prompts.addAll(EvalPromptReader.read(set.path(), set.name()));
            stages.add(new Decontaminator(decon.ngram(), decon.minPromptWords(), prompts));
        } else {
            log.info("decontamination: off ({})", decon.enabled() ? "no eval sets given" : "disabled");
        }
        return stages;
    }

    private static StageStats stats(String name, String settings, long in, List<Example> kept, Map<String, Long> byReason,
                                    Map<String, Long> evalHits) {
        List<Integer> instructionChars = new ArrayList<>();
        List<Integer> responseChars = new ArrayList<>();
        for (Example e : kept) {
            if (e.isPair()) instructionChars.add(codePoints(e.fullInstruction()));
            responseChars.add(codePoints(e.response()));
        }
        return new StageStats(name, settings, in, kept.size(), byReason, LengthHistogram.of(instructionChars),
                LengthHistogram.of(responseChars), evalHits);
    }

    /** Characters as users count them (and as the length filter does): code points, not UTF-16 units. */
    static int codePoints(String s) {
        return s.codePointCount(0, s.length());
    }

    private static void write(Path outDir, List<Example> kept, List<Stage.Dropped> dropped, PrepareStats stats) {
        AtomicFile.write(outDir.resolve(DATA_FILE), out -> {
            for (Example e : kept) out.write(JSON.writeValueAsString(ExampleJson.toJson(e)) + "\n");
        });
        AtomicFile.write(outDir.resolve(DROPPED_FILE), out -> {
            for (Stage.Dropped d : dropped) {
                ObjectNode o = JSON.createObjectNode();
                o.put("stage", d.stage()).put("reason", d.reason()).put("detail", d.detail());
                if (d.match() != null) {
                    o.put("eval_set", d.match().evalSet()).put("eval_prompt_id", d.match().promptId())
                            .put("field", d.match().field()).put("ngram", d.match().ngram());
                }
                o.setAll(ExampleJson.toJson(d.example()));
                out.write(JSON.writeValueAsString(o) + "\n");
            }
        });
        AtomicFile.write(outDir.resolve(STATS_FILE), out -> out.write(STATS_JSON.writeValueAsString(stats) + "\n"));
        log.info("wrote {} kept and {} dropped examples and {} to {}", kept.size(), dropped.size(), STATS_FILE, outDir);
    }
}
