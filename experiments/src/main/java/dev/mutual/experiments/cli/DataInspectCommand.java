package dev.mutual.experiments.cli;

import dev.mutual.data.Example;
import dev.mutual.data.read.DataReader;
import dev.mutual.data.read.EvalPrompt;
import dev.mutual.data.read.EvalPromptReader;
import dev.mutual.data.read.Format;
import dev.mutual.data.read.ReadResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code mutual data inspect FILE}: the detected format, record and example counts, invalid records (counted, not
 * fatal), character-length statistics and the first few examples.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show a data file's format, counts, invalid lines, length statistics and a few examples.")
final class DataInspectCommand implements Callable<Integer> {
    private static final int SHOWN_CHARS = 240;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "A data file (JSONL, JSON array or .txt; .gz allowed).")
    Path file;

    @Option(names = "--format", paramLabel = "NAME", description = "The format (default: detected): " + "prepared, oasst, sharegpt, openai, responses, self_instruct, alpaca, dolly, human_assistant, text.")
    String format;

    @Option(names = "-n", paramLabel = "N", defaultValue = "3", description = "Examples to show (default: ${DEFAULT-VALUE}).")
    @Range(min = 0)
    int shown;

    @Option(names = "--unlabelled", description = "Read pairs as unlabelled responses (instruction kept aside as gold instruction).")
    boolean unlabelled;

    @Option(names = "--eval", description = "Read FILE as an eval set (IFEval, AlpacaEval, MT-Bench, GSM8K, ...): the prompts decontamination checks.")
    boolean eval;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (eval) return inspectEvalSet(out);
        Format f = format == null ? null : Format.byName(format);
        ReadResult r = DataReader.read(file, new DataReader.Options(f, true, null, unlabelled));
        List<Example> examples = r.examples();
        long pairs = examples.stream().filter(Example::isPair).count();
        long gold = examples.stream().filter(e -> e.goldInstruction() != null).count();
        long multiTurn = examples.stream().filter(e -> !e.turns().isEmpty()).count();

        out.printf("file:     %s%n", file);
        out.printf("format:   %s%s%n", r.format().id, f == null ? " (detected)" : "");
        out.printf("records:  %d%n", r.records());
        out.printf("examples: %d (%d pairs, %d unlabelled; %d with a gold instruction; %d multi-turn)%n",
                examples.size(), pairs, examples.size() - pairs, gold, multiTurn);
        out.printf("invalid:  %d%s%n", r.skippedTotal(), r.skipped().isEmpty() ? "" : " " + r.skipped());
        for (String line : r.skippedLines()) out.println("  " + line);

        List<Integer> instructionChars = new ArrayList<>();
        List<Integer> responseChars = new ArrayList<>();
        for (Example e : examples) {
            if (e.isPair()) instructionChars.add(e.fullInstruction().codePointCount(0, e.fullInstruction().length()));
            responseChars.add(e.response().codePointCount(0, e.response().length()));
        }
        if (!instructionChars.isEmpty()) out.println("instruction chars: " + summary(instructionChars));
        if (!responseChars.isEmpty()) out.println("response chars:    " + summary(responseChars));

        for (int i = 0; i < Math.min(shown, examples.size()); i++) {
            Example e = examples.get(i);
            out.printf("%n[%d] id %s (line %d)%n", i + 1, e.id(), e.line());
            if (e.isPair()) out.println("  instruction: " + shorten(e.instruction()));
            if (!e.input().isEmpty()) out.println("  input:       " + shorten(e.input()));
            if (e.goldInstruction() != null) out.println("  gold instr.: " + shorten(e.goldInstruction()));
            out.println("  response:    " + shorten(e.response()));
            if (!e.turns().isEmpty()) out.println("  turns:       " + e.turns().size());
        }
        return 0;
    }

    private int inspectEvalSet(PrintWriter out) {
        String name = EvalPromptReader.defaultName(file);
        List<EvalPrompt> prompts = EvalPromptReader.read(file, name);
        List<Integer> chars = new ArrayList<>();
        for (EvalPrompt p : prompts) chars.add(p.text().codePointCount(0, p.text().length()));
        out.printf("file:     %s%n", file);
        out.printf("eval set: %s, %d prompts%n", name, prompts.size());
        out.println("prompt chars: " + summary(chars));
        for (int i = 0; i < Math.min(shown, prompts.size()); i++) {
            out.printf("%n[%d] id %s%n  prompt: %s%n", i + 1, prompts.get(i).id(), shorten(prompts.get(i).text()));
        }
        return 0;
    }

    /** "n 3742, mean 325.4, median 201, p90 700, max 7662" */
    static String summary(List<Integer> lengths) {
        List<Integer> sorted = new ArrayList<>(lengths);
        Collections.sort(sorted);
        double mean = sorted.stream().mapToLong(Integer::longValue).sum() / (double) sorted.size();
        return String.format("n %d, mean %.1f, median %d, p90 %d, max %d", sorted.size(), mean,
                sorted.get((sorted.size() - 1) / 2), sorted.get((int) Math.ceil(0.9 * sorted.size()) - 1), sorted.get(sorted.size() - 1));
    }

    private static String shorten(String s) {
        String one = s.replace("\n", "\\n");
        return one.length() <= SHOWN_CHARS ? one : one.substring(0, SHOWN_CHARS) + "... (" + s.length() + " chars)";
    }
}
