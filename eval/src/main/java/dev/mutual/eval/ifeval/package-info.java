/**
 * IFEval (Zhou et al. 2023, "Instruction-Following Evaluation for Large Language Models", arXiv 2311.07911): a Java
 * port of google-research {@code instruction_following_eval}.
 *
 * <ul>
 *   <li>{@link dev.mutual.eval.ifeval.Instruction}: the 25 registered checkers, one record each;
 *       {@link dev.mutual.eval.ifeval.IfevalPrompts} builds them from {@code input_data.jsonl} kwargs.</li>
 *   <li>{@link dev.mutual.eval.ifeval.IfevalScorer}: strict and loose verdicts;
 *       {@link dev.mutual.eval.ifeval.IfevalAccuracy}: prompt- and instruction-level accuracy.</li>
 *   <li>Text tools the checkers need: NLTK's Punkt sentence tokenizer and Treebank word tokenizer (ported, checked
 *       against NLTK 3.10.3 on 551 texts), Python {@code str} semantics, and Cybozu langdetect (seeded).</li>
 *   <li>{@link dev.mutual.eval.ifeval.IfevalEvaluator} and {@link dev.mutual.eval.ifeval.IfevalResultFiles}: a run
 *       over a responses file, written in the reference's format and in Mutual's {@code results.json} +
 *       {@code samples.jsonl}.</li>
 * </ul>
 *
 * <p>Known differences from the reference, each pinned by a test: (1) {@code keywords:letter_frequency} with a
 * non-letter (prompts 1122 '#' and 1129 '!'): the golden run replaced it with a random letter, this port counts the
 * character as given (as google-research's current code does); (2) sentence counts use the Punkt algorithm with a
 * hand-made abbreviation list and orthographic context instead of NLTK's trained English model, which cannot be
 * fetched offline; on the golden GPT-4 verdicts this changes nothing. On GPT-4's responses the port reproduces the
 * reference's loose accuracies exactly and its strict ones within 0.4 points (the two random verdicts above).
 *
 * <p>The bundled {@code input_data.jsonl} is google-research's file (Apache-2.0), byte-identical to
 * {@code shared/data/ifeval/input_data.jsonl}.
 */
package dev.mutual.eval.ifeval;
