package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parquet data through the real command line and a recipe: {@code data prepare} on a pyarrow file of {@code messages}
 * rows (list&lt;struct&lt;role, content&gt;&gt;) gives what its JSON twin gives, and a {@code prepare_data} source may be
 * a .parquet file, and so may a decontamination eval set.
 */
class ParquetCommandsTest {
    static final Path FIXTURES = Path.of("../data/src/test/resources/parquet");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static List<JsonNode> lines(Path file) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String l : Files.readAllLines(file)) rows.add(JSON.readTree(l));
        return rows;
    }

    /** The prepared records less their source_file (the twins differ only there). */
    private static List<JsonNode> withoutSource(List<JsonNode> rows) {
        for (JsonNode r : rows) ((com.fasterxml.jackson.databind.node.ObjectNode) r).remove("source_file");
        return rows;
    }

    @Test
    void dataPrepareReadsAParquetFileOfMessagesRows() throws IOException {
        Path parquet = FIXTURES.resolve("messages.parquet");
        Path out = tmp.resolve("parquet");
        CliRun r = CliRun.of("data", "prepare", "--input", parquet.toString(), "--output", out.toString(), "--no-decontaminate");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("kept 20, dropped 0"), r.out());
        assertEquals("openai", JSON.readTree(out.resolve("stats.json").toFile()).at("/sources/0/format").asText());

        List<JsonNode> kept = lines(out.resolve("data.jsonl"));
        assertEquals(parquet.toString(), kept.get(0).get("source_file").asText());
        assertEquals(3, kept.get(2).get("source_line").asInt(), "the row number is the line");
        assertEquals(4, kept.get(2).get("turns").size(), "the whole conversation is kept");

        Path twin = tmp.resolve("json");
        CliRun j = CliRun.of("data", "prepare", "--input", FIXTURES.resolve("messages.jsonl").toString(), "--output", twin.toString(), "--no-decontaminate");
        assertEquals(0, j.code(), j.err());
        assertEquals(withoutSource(lines(twin.resolve("data.jsonl"))), withoutSource(kept));

        CliRun inspect = CliRun.of("data", "inspect", parquet.toString(), "-n", "1");
        assertEquals(0, inspect.code(), inspect.err());
        assertTrue(inspect.out().contains("openai"), inspect.out());
    }

    @Test
    void aBrokenParquetFileExits2WithOneLine() throws IOException {
        byte[] good = Files.readAllBytes(FIXTURES.resolve("messages.parquet"));
        Path truncated = tmp.resolve("cut.parquet");
        Files.write(truncated, Arrays.copyOf(good, good.length - 100));
        CliRun r = CliRun.of("data", "prepare", "--input", truncated.toString(), "--output", tmp.resolve("out").toString(), "--no-decontaminate");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: " + truncated + ": not a readable Parquet file (cannot read the footer: cut.parquet is not a Parquet file."), r.err());
        assertEquals(1, r.err().lines().count(), r.err());

        CliRun bad = CliRun.of("data", "prepare", "--input", FIXTURES.resolve("bad_nulls.parquet").toString(), "--output", tmp.resolve("bad").toString(),
                "--no-decontaminate");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("bad_nulls.parquet:row 3: missing field 'instruction'"), bad.err());
    }

    @Test
    void aRecipeSourceMayBeParquet() throws IOException {
        Files.copy(FIXTURES.resolve("dolly.parquet"), tmp.resolve("seed.parquet"));
        Files.copy(FIXTURES.resolve("sharegpt.parquet"), tmp.resolve("chats.parquet"));
        Files.copy(FIXTURES.resolve("ifeval.parquet"), tmp.resolve("ifeval.parquet"));
        Path recipe = tmp.resolve("parquet.yaml");
        Files.writeString(recipe, String.join("\n",
                "name: parquet",
                "seed: 1",
                "stages:",
                "  prepare:",
                "    type: prepare_data",
                "    sources:",
                "      - path: seed.parquet",
                "      - path: chats.parquet",
                "        format: sharegpt",
                "        limit: 5",
                "    decontamination:",
                "      eval_sets:",
                "        - path: ifeval.parquet",
                ""));
        CliRun r = CliRun.of("run", recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
        assertEquals(0, r.code(), r.err());
        Path dir;
        try (Stream<Path> d = Files.list(tmp.resolve("runs/parquet"))) {
            dir = d.findFirst().orElseThrow();
        }
        JsonNode stats = JSON.readTree(dir.resolve("prepare/stats.json").toFile());
        assertEquals("dolly", stats.at("/sources/0/format").asText());
        assertEquals("sharegpt", stats.at("/sources/1/format").asText());
        assertTrue(stats.toString().contains("ifeval"), "the eval set read from Parquet: " + stats);
        List<JsonNode> kept = lines(dir.resolve("prepare/data.jsonl"));
        assertEquals(35, kept.size());
        assertEquals("dolly_open_qa_0", kept.get(0).get("id").asText());
        assertTrue(kept.get(34).get("source_file").asText().endsWith("chats.parquet"), kept.get(34).toString());
    }
}
