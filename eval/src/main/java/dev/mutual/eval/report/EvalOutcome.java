package dev.mutual.eval.report;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A finished evaluation, ready for {@link EvalResultFiles#write}.
 *
 * @param result  the summary
 * @param samples one line per scored item
 */
public record EvalOutcome(EvalResult result, List<EvalSample> samples) {
    public EvalOutcome {
        samples = List.copyOf(samples);
    }

    /** The same outcome with {@code extra} added to (or replacing entries of) the result's settings. */
    public EvalOutcome withSettings(Map<String, Object> extra) {
        Map<String, Object> settings = new LinkedHashMap<>(result.settings());
        settings.putAll(extra);
        EvalResult r = result;
        return new EvalOutcome(new EvalResult(r.benchmark(), r.version(), r.metrics(), r.primaryMetric(), r.n(), r.run(), settings),
                samples);
    }

    /** Writes samples.jsonl and results.json into {@code dir} and returns this outcome. */
    public EvalOutcome writeTo(Path dir) {
        EvalResultFiles.write(dir, result, samples);
        return this;
    }
}
