package dev.mutual.eval.report;

import dev.mutual.data.UserInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One side of a comparison: a run directory (searched recursively for {@code results.json}), one evaluation
 * directory, or a {@code results.json} file, with its evaluations keyed by benchmark.
 *
 * @param label       short name shown in reports (the directory name, or the path when names collide)
 * @param source      the path the user gave
 * @param byBenchmark benchmark name to its evaluation, in path order
 */
public record ComparedRun(String label, Path source, Map<String, EvalDirectory> byBenchmark) {
    public ComparedRun {
        if (byBenchmark.isEmpty()) throw new IllegalArgumentException("a compared run needs at least one evaluation");
        byBenchmark = Collections.unmodifiableMap(new LinkedHashMap<>(byBenchmark));
    }

    /** Loads a run; fails when the path holds no evaluation or two evaluations of the same benchmark. */
    public static ComparedRun load(Path source, String label) {
        if (!Files.exists(source)) throw new UserInputException(source + ": no such file or directory");
        List<Path> dirs = evaluationDirectories(source);
        if (dirs.isEmpty()) {
            throw new UserInputException(source + ": no " + EvalResultFiles.RESULTS + " found (expected an evaluation "
                    + "directory, a results.json file, or a run directory containing them)");
        }
        Map<String, EvalDirectory> byBenchmark = new LinkedHashMap<>();
        for (Path dir : dirs) {
            EvalDirectory eval = EvalDirectory.read(dir);
            EvalDirectory previous = byBenchmark.putIfAbsent(eval.result().benchmark(), eval);
            if (previous != null) {
                throw new UserInputException(source + ": two evaluations of benchmark '" + eval.result().benchmark()
                        + "' (" + previous.dir() + " and " + dir + "); pass the evaluation directory you mean instead");
            }
        }
        return new ComparedRun(label, source, byBenchmark);
    }

    /** A label per path: the directory name, or the whole path where two names collide. */
    public static List<String> labels(Collection<Path> sources) {
        List<String> names = new ArrayList<>();
        for (Path p : sources) names.add(shortName(p));
        List<String> labels = new ArrayList<>();
        int i = 0;
        for (Path p : sources) {
            String name = names.get(i++);
            labels.add(Collections.frequency(names, name) > 1 ? p.toString() : name);
        }
        return labels;
    }

    private static String shortName(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        if (abs.getFileName() != null && abs.getFileName().toString().equals(EvalResultFiles.RESULTS)) abs = abs.getParent();
        return abs.getFileName() == null ? abs.toString() : abs.getFileName().toString();
    }

    private static List<Path> evaluationDirectories(Path source) {
        if (Files.isRegularFile(source)) return List.of(source.toAbsolutePath().getParent());
        if (Files.isRegularFile(source.resolve(EvalResultFiles.RESULTS))) return List.of(source);
        try (Stream<Path> walk = Files.walk(source)) {
            return walk.filter(p -> p.getFileName().toString().equals(EvalResultFiles.RESULTS) && Files.isRegularFile(p))
                    .map(Path::getParent).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot search " + source + " for evaluations", e);
        }
    }
}
