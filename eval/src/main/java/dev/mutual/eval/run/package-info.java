/**
 * Evaluation runs as a library: one class per benchmark run that takes a model hook ({@code TextGenerator},
 * {@code LogLikelihoodScorer}, a judge) or responses given as data, writes the evaluation directory
 * ({@code EvalResultFiles} layout, plus the generated responses) and returns the {@code EvalOutcome}. The
 * {@code mutual eval ...} commands and the recipe's {@code eval} stage both call these, so results.json and
 * samples.jsonl mean the same wherever they were made.
 */
package dev.mutual.eval.run;
