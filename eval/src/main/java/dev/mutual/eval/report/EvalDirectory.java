package dev.mutual.eval.report;

import java.nio.file.Path;
import java.util.List;

/**
 * One evaluation as found on disk: its directory, summary and per-item samples.
 *
 * @param dir     the directory holding {@code results.json} and {@code samples.jsonl}
 * @param result  the summary
 * @param samples the per-item outputs, in file order
 */
public record EvalDirectory(Path dir, EvalResult result, List<EvalSample> samples) {
    public EvalDirectory {
        samples = List.copyOf(samples);
    }

    /** Reads both files of an evaluation directory. */
    public static EvalDirectory read(Path dir) {
        return new EvalDirectory(dir, EvalResultFiles.readResult(dir), EvalResultFiles.readSamples(dir));
    }
}
