package dev.mutual.data.read;

import dev.mutual.data.Example;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads every training- and unlabelled-side file under ../shared/data (seed/, unlabelled/, corpus/, heldout/)
 * with its format detected, and checks the record counts against each folder's SOURCE.md.
 */
class SharedDataReadTest {
    /** Big files are read once per test run (the machine is small and shared). */
    private static final Map<String, ReadResult> READ = new ConcurrentHashMap<>();

    static ReadResult read(String file) {
        return READ.computeIfAbsent(file, f -> DataReader.read(assumeShared(f), DataReader.Options.defaults()));
    }

    /** file, detected format, records (SOURCE.md), examples, of which pairs. */
    @ParameterizedTest
    @CsvSource({
            "seed/dolly_open_qa/dolly_open_qa.jsonl, dolly, 3742, 3742, 3742",
            "seed/dolly_open_qa/chinkara-open_qa.jsonl, human_assistant, 3742, 3742, 3742",
            "seed/lima/lima.json, alpaca, 1029, 1029, 1029",
            "seed/oasst1_top/oasst1_top_seed.jsonl, dolly, 2845, 2845, 2845",
            "seed/oasst1_top/oasst1_first_turn_candidates.jsonl, dolly, 3163, 3163, 3163",
            "seed/self_instruct/seed_tasks.jsonl, self_instruct, 175, 175, 175",
            "unlabelled/alpaca_cleaned_52k/alpaca_cleaned_52k.jsonl.gz, responses, 51923, 51923, 0",
            "unlabelled/alpaca_gpt4_demo/alpaca_en_demo.json, alpaca, 999, 999, 999",
            "unlabelled/c4_demo/c4_demo.jsonl, text, 300, 300, 0",
            "unlabelled/wiki_demo/wiki_demo.txt, text, 30, 30, 0",
            "unlabelled/oasst1_en_train/oasst1_en_train_replies.jsonl.gz, responses, 23409, 23409, 0",
            "unlabelled/oasst1_en_train/oasst1_en_train_messages.jsonl.gz, text, 39283, 39283, 0",
            "unlabelled/oasst2_eft_ranked/oasst2_eft_pairs.jsonl, responses, 2685, 2685, 0",
            // 2,022 messages; 418 prompts have a rank-0 reply, and one more has only a rank-2 reply in the English file.
            "heldout/oasst1_en_validation/en-validation.jsonl, oasst, 2022, 419, 419",
            "heldout/oasst1_en_validation/oasst1_en_val_pairs_rank0.jsonl, dolly, 418, 418, 418",
            "heldout/oasst1_en_validation/oasst1_en_val_assistant_replies.jsonl, responses, 1241, 1241, 0",
            "corpus/validation.jsonl.gz, text, 152, 152, 0",
    })
    void readsEveryTrainingSideFile(String file, String format, long records, long examples, long pairs) {
        ReadResult r = read(file);
        assertEquals(format, r.format().id, file);
        assertEquals(records, r.records(), file);
        assertEquals(examples, r.examples().size(), file);
        assertEquals(pairs, r.examples().stream().filter(Example::isPair).count(), file);
        assertEquals(0, r.skippedTotal(), file);
        for (Example e : r.examples()) assertFalse(e.response().isBlank(), file + " " + e.id());
    }

    @Test
    void readsTheWholePretrainingCorpus() {
        ReadResult r = read("corpus/train.jsonl.gz");
        assertEquals(14_229, r.records());
        assertEquals(14_229, r.examples().size());
        assertEquals("enwiki-56640212", r.examples().get(0).id());
        // SOURCE.md: 58.53 M characters of text (as Python counts them: code points).
        long chars = 0;
        for (Example e : r.examples()) chars += e.response().codePointCount(0, e.response().length());
        assertEquals(58.53e6, chars, 0.01e6);
    }

    /** Every file under seed/, unlabelled/, corpus/ and heldout/ is covered by the cases above. */
    @Test
    void noTrainingSideFileIsLeftOut() throws Exception {
        List<String> covered = List.of("dolly_open_qa.jsonl", "chinkara-open_qa.jsonl", "lima.json", "oasst1_top_seed.jsonl",
                "oasst1_first_turn_candidates.jsonl", "seed_tasks.jsonl", "alpaca_cleaned_52k.jsonl.gz", "alpaca_en_demo.json",
                "c4_demo.jsonl", "wiki_demo.txt", "oasst1_en_train_replies.jsonl.gz", "oasst1_en_train_messages.jsonl.gz",
                "oasst2_eft_pairs.jsonl", "en-validation.jsonl", "oasst1_en_val_pairs_rank0.jsonl",
                "oasst1_en_val_assistant_replies.jsonl", "validation.jsonl.gz", "train.jsonl.gz");
        for (String dir : List.of("seed", "unlabelled", "corpus", "heldout")) {
            try (var files = Files.walk(assumeShared(dir))) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    String name = p.getFileName().toString();
                    if (!Files.isRegularFile(p) || name.equals("SOURCE.md") || name.equals("booklist.txt")) continue;
                    assertTrue(covered.contains(name), "not covered by a read test: " + p);
                }
            }
        }
    }

    @Test
    void dollyKeepsIdsAndText() {
        Example e = read("seed/dolly_open_qa/dolly_open_qa.jsonl").examples().get(317);
        assertEquals("dolly_open_qa_317", e.id());
        assertEquals("What is the meaning of life?", e.instruction());
        assertTrue(e.response().startsWith("Some say it's love and family, others say it's 42."));
        assertEquals(318, e.line());
        assertTrue(e.sourceFile().endsWith("dolly_open_qa.jsonl"));
    }

    @Test
    void chinkaraSplitsTheSameAsTheDerivedDollyFile() {
        List<Example> split = read("seed/dolly_open_qa/chinkara-open_qa.jsonl").examples();
        List<Example> derived = read("seed/dolly_open_qa/dolly_open_qa.jsonl").examples();
        for (int i = 0; i < split.size(); i++) {
            assertEquals(derived.get(i).instruction(), split.get(i).instruction().strip(), "line " + (i + 1));
            assertEquals(derived.get(i).response(), split.get(i).response().strip(), "line " + (i + 1)); // the derived file is stripped
        }
    }

    @Test
    void limaMultiTurnKeepsTheConversationAndPairsTheFirstTurn() {
        List<Example> lima = read("seed/lima/lima.json").examples();
        List<Example> multi = lima.stream().filter(e -> !e.turns().isEmpty()).toList();
        assertEquals(29, multi.size()); // SOURCE.md: 29 multi-turn, history lengths 1-9
        for (Example e : multi) {
            int turns = e.turns().size();
            assertTrue(turns >= 4 && turns <= 20 && turns % 2 == 0, e.id() + ": " + turns + " turns");
            assertEquals(e.turns().get(0).content(), e.instruction());
            assertEquals(e.turns().get(1).content(), e.response());
        }
        assertEquals(2, lima.get(0).line()); // the first object starts on line 2 of the JSON array
    }

    @Test
    void unlabelledPoolsKeepGoldInstructionsAside() {
        ReadResult alpaca = read("unlabelled/alpaca_cleaned_52k/alpaca_cleaned_52k.jsonl.gz");
        Example first = alpaca.examples().get(0);
        assertNull(first.instruction());
        assertEquals("Give three tips for staying healthy.", first.goldInstruction());
        assertEquals("alpaca-00000", first.id());
        assertEquals(51_923, alpaca.examples().stream().filter(e -> e.goldInstruction() != null).count());

        // SOURCE.md: gold_instruction only for the 3,390 rank-0 replies to a predicted first-turn prompt.
        long withGold = read("unlabelled/oasst1_en_train/oasst1_en_train_replies.jsonl.gz").examples().stream()
                .filter(e -> e.goldInstruction() != null).count();
        assertEquals(3_390, withGold);

        // An alpaca-format file read as an unlabelled pool: the instruction moves to goldInstruction.
        ReadResult demo = DataReader.read(assumeShared("unlabelled/alpaca_gpt4_demo/alpaca_en_demo.json"),
                new DataReader.Options(null, false, null, true));
        assertEquals(999, demo.examples().size());
        assertTrue(demo.examples().stream().noneMatch(Example::isPair));
        assertEquals("Describe a process of making crepes.", demo.examples().get(0).goldInstruction());
    }

    @Test
    void selfInstructTakesTheFirstInstance() {
        Example e = read("seed/self_instruct/seed_tasks.jsonl").examples().get(0);
        assertEquals("seed_task_0", e.id());
        assertTrue(e.instruction().startsWith("Is there anything I can eat for a breakfast that doesn't include eggs"));
        assertEquals("", e.input());
        assertTrue(e.response().startsWith("Yes, you can have 1 oatmeal banana protein shake"));
    }

    @Test
    void oasstTreesPairPromptsWithTheirBestRankedReply() {
        List<Example> pairs = read("heldout/oasst1_en_validation/en-validation.jsonl").examples();
        assertEquals(187, pairs.stream().filter(e -> e.turns().isEmpty()).count()); // first turns
        // The derived rank-0 pairs file holds the same 418 rank-0 pairs, in the same order, with the reply's id.
        List<Example> rank0 = read("heldout/oasst1_en_validation/oasst1_en_val_pairs_rank0.jsonl").examples();
        List<Example> mine = pairs.stream().filter(e -> rank0.stream().anyMatch(r -> r.id().equals(e.id()))).toList();
        assertEquals(418, mine.size());
        for (int i = 0; i < mine.size(); i++) {
            assertEquals(rank0.get(i).id(), mine.get(i).id());
            assertEquals(rank0.get(i).instruction(), mine.get(i).instruction());
            assertEquals(rank0.get(i).response(), mine.get(i).response());
        }
        Example first = pairs.get(0);
        assertEquals("What do you think about ChatGPT?", first.instruction());
        assertEquals("7d05acb7-9360-458c-8a1d-c0b6492b8f8a", first.id());
    }

    @Test
    void limitStopsEarly() {
        ReadResult r = DataReader.read(assumeShared("unlabelled/c4_demo/c4_demo.jsonl"), new DataReader.Options(null, false, 7, false));
        assertEquals(7, r.examples().size());
        assertEquals(7, r.records());
    }
}
