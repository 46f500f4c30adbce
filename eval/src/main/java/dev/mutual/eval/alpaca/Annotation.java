package dev.mutual.eval.alpaca;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.Objects;

/**
 * One pairwise judgement in alpaca_eval's {@code annotations.json} layout: output_1 is the reference (baseline),
 * output_2 the evaluated model, whatever order the judge saw them in.
 *
 * @param preference    1 = reference better, 2 = model better, 1.5 = draw, anything in [1, 2] for a weighted judge;
 *                      null when the judge's reply could not be parsed (counted, never dropped)
 * @param rawCompletion the judge's reply text (null in annotation files that do not keep it)
 * @param swapped       true when the judge saw the model's output first (position-bias randomisation)
 */
@JsonPropertyOrder({"instruction", "output_1", "generator_1", "dataset", "output_2", "generator_2", "annotator",
        "preference", "raw_completion", "is_swapped"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Annotation(
        String instruction,
        @JsonProperty("output_1") String output1,
        @JsonProperty("generator_1") String generator1,
        String dataset,
        @JsonProperty("output_2") String output2,
        @JsonProperty("generator_2") String generator2,
        String annotator,
        Double preference,
        @JsonProperty("raw_completion") String rawCompletion,
        @JsonProperty("is_swapped") boolean swapped) {
    public Annotation {
        Objects.requireNonNull(instruction, "instruction");
        Objects.requireNonNull(output1, "output_1");
        Objects.requireNonNull(output2, "output_2");
        if (preference != null && preference.isNaN()) preference = null;
    }

    /** Whether the judgement gave a preference alpaca_eval counts: 0 (old draw code) or a value in [1, 2]. */
    public boolean isParsed() {
        return preference != null && (preference == 0 || (preference >= 1 && preference <= 2));
    }
}
