package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code engine}, {@code packing} and {@code buckets} through {@code mutual train --recipe} on the tiny recipe. */
class TrainEnginesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private List<JsonNode> train(String name, String... overrides) throws IOException {
        Path runs = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("train", "--recipe", TrainCommandTest.TRAIN_TINY.toString(),
                "paths.runs=" + runs, "warmup_steps=0", "micro_batch=2"));
        args.addAll(List.of(overrides));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        Path dir;
        try (Stream<Path> d = Files.list(runs.resolve("train_tiny"))) {
            dir = d.findFirst().orElseThrow().resolve("train");
        }
        List<JsonNode> steps = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) steps.add(JSON.readTree(line));
        return steps;
    }

    /** The same seed gives both engines the same weights and rows: the first step's loss agrees to fp32 rounding. */
    @Test
    void eagerAndSameDiffEnginesGiveTheSameFirstStepLoss() throws IOException {
        JsonNode eager = train("eager", "steps=1", "seq_len=128", "engine=eager").get(0);
        JsonNode samediff = train("samediff", "steps=1", "seq_len=128", "engine=samediff").get(0);
        assertEquals(samediff.get("loss").doubleValue(), eager.get("loss").doubleValue(), 1e-5);
        assertEquals(samediff.get("tokens").longValue(), eager.get("tokens").longValue());
        assertEquals(samediff.get("grad_norm").doubleValue(), eager.get("grad_norm").doubleValue(),
                1e-4 * samediff.get("grad_norm").doubleValue());
    }

    /**
     * With seq_len 512 several Dolly pairs fit in a row: a packed micro-batch carries more reply tokens than an
     * unpacked one (about 2x here), and its loss is a random model's (about ln 512 = 6.24), as the unpacked run's.
     */
    @Test
    void packingPutsSeveralExamplesInARowWithASaneLoss() throws IOException {
        List<JsonNode> packed = train("packed", "steps=2", "seq_len=512", "packing=true");
        List<JsonNode> unpacked = train("unpacked", "steps=2", "seq_len=512", "packing=false");
        for (int i = 0; i < 2; i++) {
            double p = packed.get(i).get("loss").doubleValue();
            double u = unpacked.get(i).get("loss").doubleValue();
            assertTrue(Math.abs(p - Math.log(512)) < 0.3 && Math.abs(u - Math.log(512)) < 0.3, p + " vs " + u);
        }
        long packedTokens = packed.get(0).get("tokens").longValue() + packed.get(1).get("tokens").longValue();
        long unpackedTokens = unpacked.get(0).get("tokens").longValue() + unpacked.get(1).get("tokens").longValue();
        assertTrue(packedTokens > 1.5 * unpackedTokens, packedTokens + " packed vs " + unpackedTokens + " unpacked reply tokens");
    }

    /**
     * {@code buckets: true} trains on length-bucketed micro-batches (with validation on full-length rows through the
     * same engine): sane random-model losses, reply tokens in every step, and no mfu (no fixed FLOPs per step).
     */
    @Test
    void bucketsTrainThroughTheStage() throws IOException {
        List<JsonNode> steps = train("buckets", "steps=2", "seq_len=512", "buckets=true", "eval_fraction=0.1",
                "eval_every=2");
        assertEquals(2, steps.size());
        for (JsonNode s : steps) {
            assertTrue(Math.abs(s.get("loss").doubleValue() - Math.log(512)) < 0.3, s.toString());
            assertTrue(s.get("tokens").longValue() > 0, s.toString());
            assertTrue(s.get("mfu") == null || s.get("mfu").isNull(), s.toString());
        }
    }

    @Test
    void bucketsNeedTheEagerEngineFullFineTuningAndNoPacking() {
        for (String[] bad : new String[][] {{"engine=samediff"}, {"packing=true"}}) {
            List<String> args = new ArrayList<>(List.of("validate", TrainCommandTest.TRAIN_TINY.toString(), "buckets=true"));
            args.addAll(List.of(bad));
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertEquals(2, r.code());
            assertTrue(r.err().contains("buckets: needs 'engine: eager', full fine-tuning"), r.err());
        }
    }

    @Test
    void packingNeedsTheEagerEngine() {
        CliRun samediff = CliRun.of("validate", TrainCommandTest.TRAIN_TINY.toString(), "packing=true", "engine=samediff");
        assertEquals(2, samediff.code());
        assertTrue(samediff.err().contains("packing: needs 'engine: eager'"), samediff.err());
        CliRun typo = CliRun.of("validate", TrainCommandTest.TRAIN_TINY.toString(), "engine=eagre");
        assertEquals(2, typo.code());
        assertTrue(typo.err().contains("engine: expected one of [eager, samediff], found \"eagre\""), typo.err());
    }
}
