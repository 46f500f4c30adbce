package dev.mutual.experiments.pipeline;

import dev.mutual.experiments.model.TrainedModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.Example;
import dev.mutual.data.UserInputException;
import dev.mutual.eval.model.ModelTextGenerator;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.PairDirection;
import dev.mutual.data.read.DataReader;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.experiments.recipe.SparkSettings;
import dev.mutual.experiments.recipe.SynthesizeConfig;
import dev.mutual.trainer.inference.GenerationOptions;
import dev.mutual.trainer.inference.Generator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Stage {@code synthesize}: the reverse model writes {@code k} candidate instructions x̂ for every response y' of the
 * pool, prompted exactly as it was trained ({@link PairDirection#REVERSE}: the response in the user turn). Writes
 * {@code candidates.jsonl}: per candidate the provenance ({@code id = <source_id>#r<round>c<candidate>}, source_id,
 * round, candidate, instruction, response, gold_instruction when the pool knows it), {@code finish} and
 * {@code new_tokens}.
 *
 * <p>The pool is cut into shards of {@code shard_size} items in pool order; each finished shard is written atomically
 * to {@code shards/shard-NNNNN.jsonl}, so a killed attempt leaves only whole shards, and a rerun
 * ({@link #resumable()}) keeps them and generates only the missing ones. At the end the shards are concatenated into
 * candidates.jsonl and {@code shards/} is removed. Each candidate's random stream is seeded by a hash of (seed,
 * source_id, candidate) alone, and the generator's kernels give each row the same numbers whatever rows share its
 * batch, so the file is the same for any batch_size and shard_size and across resumes.
 *
 * <p>A response too long for the model (prompt + max_new_tokens over max_position_embeddings) is cut from the right,
 * token by token, until its prompt fits: the instruction is written from the response's beginning, which usually
 * answers it most directly. The line keeps the whole response; the log and the metrics count such prompts.
 */
final class SynthesizeStage implements Stage {

    /** Bump when a change here alters candidates.jsonl. */
    static final int CODE_VERSION = 1;

    static final String CANDIDATES = "candidates.jsonl";
    static final String SHARDS = "shards";
    /** What the shards in shards/ were made from; a resume with anything else starts over. */
    private static final String IDENTITY = "identity.json";
    /** End-of-turn markers of common chat formats, used as stop ids when the tokenizer has them as single tokens. */
    private static final int TRUNCATIONS_LOGGED = 3;

    private static final Logger log = LoggerFactory.getLogger(SynthesizeStage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SynthesizeConfig config;
    private final long seed;
    private final String runner;
    private final SparkSettings spark;

    SynthesizeStage(SynthesizeConfig config, long recipeSeed) {
        this(config, recipeSeed, ShardRunner.LOCAL, new SparkSettings(null));
    }

    /** @param recipeRunner the recipe's runner, used when the stage sets none */
    SynthesizeStage(SynthesizeConfig config, long recipeSeed, String recipeRunner, SparkSettings spark) {
        this.config = config;
        this.seed = config.seed() == null ? recipeSeed : config.seed();
        this.runner = config.runner() == null ? recipeRunner : config.runner();
        this.spark = spark;
    }

    @Override
    public int codeVersion() {
        return CODE_VERSION;
    }

    /** Reads only upstream stage folders, whose hashes are in the cache key already. */
    @Override
    public List<Path> inputFiles() {
        return List.of();
    }

    /** A rerun keeps the finished shards of an interrupted attempt. */
    @Override
    public boolean resumable() {
        return true;
    }

    /** One pool item's prompt, cut to fit when the response was too long. */
    record Prompt(int[] ids, boolean truncated) {}

    /** Counts over candidates.jsonl. */
    private static final class Totals {
        long candidates, empty, newTokens;
    }

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        long start = System.nanoTime();
        Path poolDir = ctx.upstreamDir(config.poolStage());
        List<Example> pool = readPool(poolDir.resolve("data.jsonl"));
        int items = config.limit() > 0 ? Math.min(config.limit(), pool.size()) : pool.size();
        int shardCount = (items + config.shardSize() - 1) / config.shardSize();
        Path shards = ctx.workDir().resolve(SHARDS);
        int kept = keepFinishedShards(ctx, shards, poolDir);
        Shards work = new Shards(config, seed, ctx.upstreamDir(config.modelStage()).toAbsolutePath().toString(),
                poolDir.resolve("data.jsonl").toAbsolutePath().toString(), items);

        int truncated = 0;
        ShardRunner.Totals attempt;
        try (ModelPool models = new ModelPool()) {
            TrainedModel model = models.borrow(ctx.upstreamDir(config.modelStage()));
            if (model.info().direction() != PairDirection.REVERSE) {
                throw new UserInputException("model_stage '" + config.modelStage() + "': its model was trained in direction "
                        + model.info().direction().recipeName() + "; expected reverse (" + TrainedModel.INFO + ")");
            }
            TextTokenizer tokenizer = model.tokenizer();
            ChatEncoder encoder = model.encoder();
            int maxPositions = model.model().decoder().config().maxPositions();
            int promptLimit = maxPositions - config.maxNewTokens();
            int emptyPrompt = encoder.promptIds(PairDirection.REVERSE.prompt(null, null, "")).length;
            if (emptyPrompt > promptLimit) {
                throw new UserInputException("max_new_tokens: " + config.maxNewTokens() + " leaves " + promptLimit
                        + " of the model's " + maxPositions + " positions (max_position_embeddings) for the prompt, but the"
                        + " chat template alone takes " + emptyPrompt + " tokens; lower max_new_tokens");
            }
            log.info("{}: {} pool items in {} shards of {}, k={} candidates each; {} shards already done; runner {}", ctx.name(),
                    items, shardCount, config.shardSize(), config.k(), kept, runner);
            // Prompts of every item (cheap), so truncated_prompts counts the whole output, resumed shards included.
            for (int i = 0; i < items; i++) {
                if (prompt(pool.get(i).response(), encoder, tokenizer, promptLimit).truncated()) {
                    if (truncated < TRUNCATIONS_LOGGED) {
                        log.info("{}: pool item {} (id {}): response cut from the right to fit its prompt in {} tokens"
                                + " (max_position_embeddings {} - max_new_tokens {})", ctx.name(), i, pool.get(i).id(),
                                promptLimit, maxPositions, config.maxNewTokens());
                    }
                    truncated++;
                }
            }
            models.release(ctx.upstreamDir(config.modelStage()), model);
            attempt = ShardRunner.runMissing(runner, spark, ctx.name(), work, shards, models, log);
        }
        if (truncated > 0) {
            log.info("{}: {} of {} responses were cut from the right to fit the model's context (their lines keep the whole"
                    + " response)", ctx.name(), truncated, items);
        }

        Totals totals = concatenate(shards, shardCount, ctx.workDir().resolve(CANDIDATES));
        Pipeline.deleteTree(shards);
        Map<String, Number> out = new LinkedHashMap<>();
        out.put("items", items);
        out.put("candidates", totals.candidates);
        out.put("empty_instructions", totals.empty);
        out.put("truncated_prompts", truncated);
        out.put("new_tokens", totals.newTokens);
        out.put("tokens_per_s", attempt.tokens / Math.max(1e-9, attempt.seconds));
        out.put("shards", shardCount);
        out.put("shards_resumed", kept);
        out.put("seconds", (System.nanoTime() - start) / 1e9);
        return new StageResult(out);
    }

    /**
     * The per-shard function, runnable in this JVM or on a Spark executor: shard s = pool items
     * [s * shard_size, (s + 1) * shard_size) of the first {@code items}, k candidates each, in (item, candidate) order.
     *
     * @param modelDir the reverse model's train stage folder (absolute; every worker must be able to read it)
     * @param poolFile the pool's data.jsonl (absolute)
     */
    record Shards(SynthesizeConfig config, long seed, String modelDir, String poolFile, int items) implements ShardWork {

        @Override
        public int shardCount() {
            return (items + config.shardSize() - 1) / config.shardSize();
        }

        @Override
        public int shardItems(int shard) {
            return Math.min(items, (shard + 1) * config.shardSize()) - shard * config.shardSize();
        }

        @Override
        public Output run(int shard, ModelPool models) {
            long t0 = System.nanoTime();
            List<Example> pool = PoolCache.read(Path.of(poolFile));
            int from = shard * config.shardSize(), to = from + shardItems(shard);
            Path dir = Path.of(modelDir);
            TrainedModel model = models.borrow(dir);
            try {
                TextTokenizer tokenizer = model.tokenizer();
                ChatEncoder encoder = model.encoder();
                int promptLimit = model.model().decoder().config().maxPositions() - config.maxNewTokens();
                GenerationOptions options = new GenerationOptions(config.maxNewTokens(), config.temperature(), 0, config.topP(), 1,
                        stopIds(model), config.stop(), seed);
                List<Prompt> prompts = new ArrayList<>();
                for (int i = from; i < to; i++) prompts.add(prompt(pool.get(i).response(), encoder, tokenizer, promptLimit));
                ArrayList<String> lines = new ArrayList<>();
                long tokens = generateShard(pool.subList(from, to), prompts, new Generator(model.model().decoder()), options,
                        tokenizer, lines);
                return new Output(shard, lines, tokens, (System.nanoTime() - t0) / 1e9);
            } finally {
                models.release(dir, model);
            }
        }

        /**
         * k candidates for each item of one shard, generated batch_size prompts at a time, as JSON lines in (item,
         * candidate) order. Returns the new tokens.
         */
        long generateShard(List<Example> items, List<Prompt> prompts, Generator generator, GenerationOptions options,
                                   TextTokenizer tokenizer, List<String> lines) {
            // (item, candidate) jobs in output order
            int jobs = items.size() * config.k();
            long tokens = 0;
            for (int j0 = 0; j0 < jobs; j0 += config.batchSize()) {
                int j1 = Math.min(jobs, j0 + config.batchSize());
                List<int[]> batch = new ArrayList<>();
                long[] seeds = new long[j1 - j0];
                for (int j = j0; j < j1; j++) {
                    Example item = items.get(j / config.k());
                    batch.add(prompts.get(j / config.k()).ids());
                    seeds[j - j0] = candidateSeed(seed, item.id(), j % config.k());
                }
                List<Generator.Result> results = generator.generate(batch, options, seeds, tokenizer::decode);
                for (int j = j0; j < j1; j++) {
                    Example item = items.get(j / config.k());
                    Generator.Result r = results.get(j - j0);
                    String instruction = cutAtStop(ModelTextGenerator.continuation(tokenizer, batch.get(j - j0), r.tokens()), config.stop()).strip();
                    lines.add(line(item, j % config.k(), instruction, r));
                    tokens += r.tokens().length;
                }
            }
            return tokens;
        }

        /** One candidates.jsonl line: provenance, then finish and new_tokens. */
        String line(Example item, int candidate, String instruction, Generator.Result r) {
            ObjectNode o = JSON.createObjectNode();
            o.put("id", item.id() + "#r" + config.round() + "c" + candidate);
            o.put("source_id", item.id());
            o.put("round", config.round());
            o.put("candidate", candidate);
            o.put("instruction", instruction);
            o.put("response", item.response());
            if (item.goldInstruction() != null) o.put("gold_instruction", item.goldInstruction());
            o.put("finish", r.finish().name().toLowerCase(Locale.ROOT));
            o.put("new_tokens", r.tokens().length);
            return o.toString();
        }
    }

    /** The pool in file order; every item must have a response and a distinct id (ids name candidates and seed them). */
    private List<Example> readPool(Path data) {
        if (!Files.isRegularFile(data)) {
            throw new UserInputException("pool_stage '" + config.poolStage() + "': no " + data + ": expected a stage that writes data.jsonl");
        }
        try {
            if (Files.size(data) == 0) {
                throw new UserInputException(data + ": the pool is empty (pool_stage '" + config.poolStage() + "'): nothing to write instructions for");
            }
        } catch (IOException e) {
            throw new UserInputException(data + ": cannot read: " + e.getMessage(), e);
        }
        List<Example> pool;
        try {
            pool = DataReader.read(data, DataReader.Options.defaults()).examples();
        } catch (UserInputException e) {
            // The reader names FILE:LINE and what is wrong (e.g. missing field 'response'); say which key read it.
            throw new UserInputException("pool_stage '" + config.poolStage() + "': " + e.getMessage(), e);
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < pool.size(); i++) {
            Integer earlier = seen.putIfAbsent(pool.get(i).id(), i + 1);
            if (earlier != null) {
                throw new UserInputException(data + ": item " + (i + 1) + " has id '" + pool.get(i).id() + "', like item "
                        + earlier + "; pool ids must be unique (each candidate's id and random stream derive from it)");
            }
        }
        if (pool.isEmpty()) throw new UserInputException(data + ": the pool is empty: nothing to write instructions for");
        return pool;
    }

    /**
     * On a resume whose shards were made from the same inputs, keeps every finished shard file and removes the temp
     * files of writes the kill interrupted (AtomicFile's ".NAME...tmp"); otherwise shards/ starts empty. Returns how
     * many finished shards were kept.
     */
    private int keepFinishedShards(StageContext ctx, Path shards, Path poolDir) throws IOException {
        String identity = identity(ctx.upstreamDir(config.modelStage()), poolDir);
        Path identityFile = shards.resolve(IDENTITY);
        if (ctx.resumed() && Files.isDirectory(shards)) {
            String before = Files.isRegularFile(identityFile) ? Files.readString(identityFile) : null;
            if (identity.equals(before)) {
                deleteTempFiles(ctx.workDir());
                deleteTempFiles(shards);
                int kept = 0;
                try (Stream<Path> files = Files.list(shards)) {
                    for (Path f : files.toList()) if (f.getFileName().toString().startsWith("shard-")) kept++;
                }
                log.info("{}: resuming: {} finished shards of the interrupted attempt kept", ctx.name(), kept);
                return kept;
            }
            log.warn("{}: the interrupted attempt's shards were made from other inputs (model, pool or keys); starting over",
                    ctx.name());
        }
        Pipeline.deleteTree(shards);
        Files.createDirectories(shards);
        AtomicFile.writeString(identityFile, identity);
        return 0;
    }

    private static void deleteTempFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith(".") && name.endsWith(".tmp")) Files.delete(f);
            }
        }
    }

    static Path shardFile(Path shards, int index) {
        return ShardRunner.shardFile(shards, index);
    }

    /**
     * Everything the shards' contents depend on: the upstream outputs and every key but batch_size (which changes
     * nothing). Upstream folders of a pipeline have a manifest with one hash over their outputs.
     */
    private String identity(Path modelDir, Path poolDir) {
        ObjectNode id = JSON.createObjectNode();
        id.put("code_version", CODE_VERSION);
        id.put("model", upstreamHash(modelDir));
        id.put("pool", upstreamHash(poolDir));
        id.put("seed", seed);
        id.put("k", config.k());
        id.put("temperature", config.temperature());
        id.put("top_p", config.topP());
        id.put("max_new_tokens", config.maxNewTokens());
        id.putPOJO("stop", config.stop());
        id.put("shard_size", config.shardSize());
        id.put("round", config.round());
        id.put("limit", config.limit());
        return id.toPrettyString() + "\n";
    }

    private static String upstreamHash(Path dir) {
        Manifest m = Manifest.readFrom(dir);
        return m == null ? dir.toAbsolutePath().toString() : m.outputsHash();
    }

    /**
     * The reverse prompt of a response: [start] user = response, then the assistant turn opens. When it is longer
     * than {@code limit} tokens, the response's tokens are cut from the right and the prompt rebuilt until it fits
     * (decoding and re-rendering can shift a token or two, hence the loop).
     */
    static Prompt prompt(String response, ChatEncoder encoder, TextTokenizer tokenizer, int limit) {
        int[] ids = encoder.promptIds(PairDirection.REVERSE.prompt(null, null, response));
        if (ids.length <= limit) return new Prompt(ids, false);
        int[] responseIds = tokenizer.encode(response, false);
        int keep = responseIds.length;
        while (ids.length > limit && keep > 0) {
            keep = Math.max(0, keep - (ids.length - limit));
            String cut = tokenizer.decode(Arrays.copyOf(responseIds, keep));
            ids = encoder.promptIds(PairDirection.REVERSE.prompt(null, null, cut));
        }
        if (ids.length > limit) throw new IllegalStateException("prompt of " + ids.length + " tokens with an empty response, limit " + limit);
        return new Prompt(ids, true);
    }

    /**
     * The random stream of one candidate: the first 8 bytes of SHA-256(seed, source_id, candidate), so it does not
     * depend on where the item sits in a batch, a shard or the pool.
     */
    static long candidateSeed(long seed, String sourceId, int candidate) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((seed + "\n" + sourceId + "\n" + candidate).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(hash).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The model's EOS ids and the end-of-turn markers the tokenizer has as single special tokens. */
    private static List<Integer> stopIds(TrainedModel model) {
        List<Integer> ids = new ArrayList<>(model.model().eosTokenIds());
        TextTokenizer tokenizer = model.tokenizer();
        tokenizer.eosId().ifPresent(id -> {
            if (!ids.contains(id)) ids.add(id);
        });
        for (int id : ModelTextGenerator.endOfTurnIds(tokenizer)) if (!ids.contains(id)) ids.add(id);
        return ids;
    }

    /** The text before the earliest stop string. */
    private static String cutAtStop(String text, List<String> stops) {
        int end = text.length();
        for (String s : stops) {
            int at = text.indexOf(s);
            if (at >= 0 && at < end) end = at;
        }
        return text.substring(0, end);
    }

    /** Writes the shards, in order, into candidates.jsonl (atomically) and counts what they hold. */
    private static Totals concatenate(Path shards, int shardCount, Path target) {
        Totals totals = new Totals();
        AtomicFile.write(target, w -> {
            for (int s = 0; s < shardCount; s++) {
                for (String line : Files.readAllLines(shardFile(shards, s), StandardCharsets.UTF_8)) {
                    JsonNode o = JSON.readTree(line);
                    totals.candidates++;
                    if (o.get("instruction").asText().isEmpty()) totals.empty++;
                    totals.newTokens += o.get("new_tokens").asLong();
                    w.write(line);
                    w.write('\n');
                }
            }
        });
        return totals;
    }
}
