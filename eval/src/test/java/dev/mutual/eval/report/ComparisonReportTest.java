package dev.mutual.eval.report;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ComparisonReportTest {

    /** An evaluation of {@code n} items whose item i scores verdicts[i] on "acc" (the mean is the summary). */
    private static void writeEval(Path dir, String benchmark, String model, double[] verdicts, int firstId) {
        List<EvalSample> samples = new ArrayList<>();
        double sum = 0;
        for (int i = 0; i < verdicts.length; i++) {
            samples.add(new EvalSample(Integer.toString(firstId + i), "q" + i, "a", Map.of("acc", verdicts[i]), null));
            sum += verdicts[i];
        }
        EvalResultFiles.write(dir, new EvalResult(benchmark, 1, Map.of("acc", sum / verdicts.length, "ppl", 10.0),
                "acc", verdicts.length, new EvalResult.RunInfo(model, "strategy-of-" + model, "recipes/x.yaml", "abc"),
                Map.of()), samples);
    }

    @Test
    void twoResultSetsGiveMarkdownCsvAndRealPng(@TempDir Path tmp) throws Exception {
        // baseline gets 2 of 8 right; the run fixes 3 more items and breaks none: delta = 3/8
        double[] base = {1, 1, 0, 0, 0, 0, 0, 0};
        double[] run = {1, 1, 1, 1, 1, 0, 0, 0};
        writeEval(tmp.resolve("seed-run/eval/gsm8k"), "gsm8k", "seed-model", base, 0);
        writeEval(tmp.resolve("main-run/eval/gsm8k"), "gsm8k", "main-model", run, 0);
        ComparedRun b = ComparedRun.load(tmp.resolve("seed-run"), "seed-run");
        ComparedRun r = ComparedRun.load(tmp.resolve("main-run"), "main-run");
        Comparison c = Comparison.of(b, List.of(r), PairedBootstrap.DEFAULT);

        MetricComparison acc = c.rows().get(0);
        assertEquals("acc", acc.metric());
        assertTrue(acc.primary());
        assertEquals(0.625, acc.score(), 1e-12);
        assertEquals(0.25, acc.baselineScore(), 1e-12);
        assertEquals(0.375, acc.delta(), 1e-12);
        assertEquals(8, acc.nPaired());
        // the per-item differences are 0 or 1, so every resampled mean is k/8 and the interval's ends lie in [0, 1]
        assertTrue(acc.ci().low() >= 0 && acc.ci().low() < 0.375 && acc.ci().high() > 0.375 && acc.ci().high() <= 1, acc.ci().toString());
        MetricComparison ppl = c.rows().get(1);
        assertEquals("ppl", ppl.metric());
        assertNull(ppl.ci(), "no per-item ppl scores, so no interval");
        assertEquals(0.0, ppl.delta());

        Path out = tmp.resolve("report");
        List<Path> files = ComparisonReport.write(c, out);
        assertEquals(List.of(out.resolve("gsm8k.png"), out.resolve("comparison.csv"), out.resolve("comparison.md")), files);

        String md = Files.readString(out.resolve("comparison.md"));
        assertTrue(md.contains("- **seed-run** (baseline): data strategy strategy-of-seed-model, model seed-model, recipe recipes/x.yaml"), md);
        assertTrue(md.contains("- **main-run**: data strategy strategy-of-main-model, model main-model"), md);
        assertTrue(md.contains("| acc (primary) | main-run | 0.6250 | 0.2500 | +0.3750 | ["), md);
        assertTrue(md.contains("| 8 |"), md);
        assertTrue(md.contains("![gsm8k](gsm8k.png)"), md);

        List<String> csv = Files.readAllLines(out.resolve("comparison.csv"));
        assertEquals(3, csv.size());
        assertTrue(csv.get(1).startsWith("gsm8k,acc,true,main-run,seed-run,0.625,0.25,0.375,"), csv.get(1));
        assertTrue(csv.get(1).endsWith(",8,8,8,strategy-of-main-model,main-model,recipes/x.yaml"), csv.get(1));

        BufferedImage png = ImageIO.read(out.resolve("gsm8k.png").toFile());
        assertNotNull(png, "a readable PNG");
        assertEquals(DeltaChart.WIDTH, png.getWidth());
        assertEquals(DeltaChart.HEIGHT, png.getHeight());
        Set<Integer> colours = new HashSet<>();
        int barPixels = 0;
        for (int y = 0; y < png.getHeight(); y++) {
            for (int x = 0; x < png.getWidth(); x++) {
                int rgb = png.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                if (rgb == 0x4C72B0) barPixels++;
            }
        }
        assertTrue(colours.size() > 10, "not blank: " + colours.size() + " colours");
        assertTrue(barPixels > 1000, "the bar is drawn: " + barPixels + " bar-coloured pixels");
    }

    @Test
    void differingItemSetsPairOnlySharedItemsAndWarn(@TempDir Path tmp) {
        writeEval(tmp.resolve("a"), "strategyqa", "m", new double[] {1, 0, 1, 0}, 0);   // ids 0..3
        writeEval(tmp.resolve("b"), "strategyqa", "m", new double[] {1, 1, 1}, 2);      // ids 2..4
        Comparison c = Comparison.of(ComparedRun.load(tmp.resolve("a"), "a"),
                List.of(ComparedRun.load(tmp.resolve("b"), "b")), PairedBootstrap.DEFAULT);
        MetricComparison acc = c.rows().get(0);
        assertEquals(2, acc.nPaired());          // ids 2 and 3
        assertEquals(0.5, acc.delta(), 1e-12);   // (1-1 + 1-0) / 2
        assertTrue(acc.itemSetsDiffer());
        assertTrue(c.notes().get(0).contains("run b scored 3 items, the baseline 4"), c.notes().toString());
    }

    @Test
    void perItemScoresThatDoNotAverageToTheSummaryAreFlagged(@TempDir Path tmp) {
        writeEval(tmp.resolve("a"), "ifeval", "m", new double[] {1, 0}, 0);
        // a micro-averaged metric: summary 0.75 while the per-item scores average 0.5
        EvalResultFiles.write(tmp.resolve("b"), new EvalResult("ifeval", 1, Map.of("acc", 0.75, "ppl", 10.0), "acc", 2,
                null, null), List.of(new EvalSample("0", "q", "a", Map.of("acc", 1.0), null),
                new EvalSample("1", "q", "a", Map.of("acc", 0.0), null)));
        Comparison c = Comparison.of(ComparedRun.load(tmp.resolve("a"), "a"),
                List.of(ComparedRun.load(tmp.resolve("b"), "b")), PairedBootstrap.DEFAULT);
        assertEquals(0.0, c.rows().get(0).delta(), 1e-12);
        assertEquals(1, c.notes().size(), c.notes().toString());
        assertTrue(c.notes().get(0).contains("per-item 'acc' scores do not average to its summary"), c.notes().toString());
    }

    @Test
    void runDirectoryWithTwoEvaluationsOfOneBenchmarkIsRejected(@TempDir Path tmp) {
        writeEval(tmp.resolve("run/x"), "gsm8k", "m", new double[] {1}, 0);
        writeEval(tmp.resolve("run/y"), "gsm8k", "m", new double[] {0}, 0);
        UserInputException e = assertThrows(UserInputException.class, () -> ComparedRun.load(tmp.resolve("run"), "run"));
        assertTrue(e.getMessage().contains("two evaluations of benchmark 'gsm8k'"), e.getMessage());
    }

    @Test
    void pathWithoutResultsIsRejected(@TempDir Path tmp) {
        UserInputException e = assertThrows(UserInputException.class, () -> ComparedRun.load(tmp, "x"));
        assertTrue(e.getMessage().contains("no results.json found"), e.getMessage());
    }

    @Test
    void labelsUseDirectoryNamesUnlessTheyCollide() {
        assertEquals(List.of("a", "b"), ComparedRun.labels(List.of(Path.of("runs/a"), Path.of("x/b/results.json"))));
        assertEquals(List.of("r1/eval", "r2/eval"), ComparedRun.labels(List.of(Path.of("r1/eval"), Path.of("r2/eval"))));
    }
}
