package dev.mutual.eval.alpaca;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.Objects;

/**
 * One entry of alpaca_eval's {@code model_outputs.json}: exactly the keys the Python tool reads.
 *
 * @param instruction the AlpacaEval prompt, verbatim (alpaca_eval pairs outputs with the reference by it)
 * @param output      the model's response
 * @param generator   the model's name, shown on the leaderboard
 * @param dataset     the AlpacaEval subset: helpful_base, koala, oasst, selfinstruct or vicuna
 */
@JsonPropertyOrder({"instruction", "output", "generator", "dataset"})
public record ModelOutput(String instruction, String output, String generator, String dataset) {
    public ModelOutput {
        Objects.requireNonNull(instruction, "instruction");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(generator, "generator");
    }
}
