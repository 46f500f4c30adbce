package dev.mutual.experiments.recipe;

import dev.mutual.data.chat.PairDirection;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Stage {@code diagnose}: how well MAIN's scores tell a pool item's gold pair (its response with the instruction
 * that produced it) from the same response with another item's gold instruction, as AUROC per score; with
 * {@code quality_data}, their Spearman correlation with human quality scores. With {@code rating}, Humpback's
 * self-curation rating (as a curate stage computes it) is measured beside them. Writes {@code auroc_pairs.jsonl},
 * {@code auroc.json} and, with quality_data, {@code quality_pairs.jsonl} and {@code spearman.json}.
 *
 * @param poolStage    a stage that writes data.jsonl whose items carry gold instructions (prepare_data with
 *                     {@code unlabelled: true} keeps a pair's instruction as its gold instruction)
 * @param forwardStage a train stage with direction forward
 * @param reverseStage a train stage with direction reverse
 * @param limit        use the first this many gold items of the pool (and rows of quality_data); 0 for all
 * @param seed         seed of the shuffle that gives each response another item's instruction; null for the
 *                     recipe's seed
 * @param batchSize    scoring requests per packed forward pass
 * @param qualityData  a JSONL file of {response, gold_instruction, quality_score} rows (e.g. oasst2_eft_ranked),
 *                     or null for none
 * @param round        the MAIN round these models filter (provenance, written on every line)
 * @param rating       also rate every pair 1-5 as a curate stage does (its rater keys: model_stage or judge, method,
 *                     prompt, max_new_tokens, batch_size), or null for no rating
 */
@StageType("diagnose")
public record DiagnoseConfig(
        String poolStage,
        String forwardStage,
        String reverseStage,
        @Default("0") int limit,
        @Default("null") Long seed,
        @Default("16") int batchSize,
        @Default("null") Path qualityData,
        @Default("1") int round,
        @Default("null") CurateConfig.Rating rating) implements StageConfig {

    public DiagnoseConfig {
        if (limit < 0) throw new IllegalArgumentException("limit: expected >= 0 (0 for all), found " + limit);
        if (batchSize < 1) throw new IllegalArgumentException("batch_size: expected >= 1, found " + batchSize);
        if (round < 1) throw new IllegalArgumentException("round: expected >= 1, found " + round);
        if (qualityData != null && !Files.isRegularFile(qualityData)) {
            throw new IllegalArgumentException("quality_data: no such file " + qualityData);
        }
    }

    @Override
    public List<String> upstream() {
        if (rating == null || rating.modelStage() == null) return ScorePairsConfig.distinct(poolStage, forwardStage, reverseStage);
        return ScorePairsConfig.distinct(poolStage, forwardStage, reverseStage, rating.modelStage());
    }

    @Override
    public void checkReferences(Map<String, StageConfig> stages) {
        StageConfig.requireDataStage(stages, "pool_stage", poolStage);
        ScorePairsConfig.requireModelStage(stages, "forward_stage", forwardStage, PairDirection.FORWARD);
        ScorePairsConfig.requireModelStage(stages, "reverse_stage", reverseStage, PairDirection.REVERSE);
        if (rating != null) rating.checkReferences(stages, "rating.");
    }
}
