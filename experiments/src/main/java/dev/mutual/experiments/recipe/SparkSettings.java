package dev.mutual.experiments.recipe;

import java.io.Serializable;

/**
 * Where {@code runner: spark} stages run.
 *
 * @param master the Spark master URL ({@code local[2]}, {@code spark://host:7077}, {@code yarn}); null takes
 *               {@code MUTUAL_SPARK_MASTER}, else {@code local[*]}
 */
public record SparkSettings(@Default("null") String master) implements Serializable {

    public SparkSettings {
        if (master != null && master.isBlank()) throw new IllegalArgumentException("spark.master is empty");
    }

    /** The master to use: this one, else {@code MUTUAL_SPARK_MASTER}, else {@code local[*]}. */
    public String masterOr(String fromEnv) {
        if (master != null) return master;
        return fromEnv == null || fromEnv.isBlank() ? "local[*]" : fromEnv;
    }

    /** Checks a runner name (null: the recipe's). */
    public static void checkRunner(String runner) {
        if (runner != null && !runner.equals("local") && !runner.equals("spark")) {
            throw new IllegalArgumentException("runner: expected local or spark, found \"" + runner + "\""
                    + DidYouMean.hint(runner, java.util.List.of("local", "spark")));
        }
    }
}
