package dev.mutual.testing.fuzz;

import dev.mutual.data.UserInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Runs a parser over seeded mutations of real files and fails on anything but success or a clean
 * {@link UserInputException}: another exception, an Error (OutOfMemoryError, StackOverflowError), a case that runs past
 * its timeout, or one that allocates more than its memory cap. Each case runs on a worker thread under a timeout; its
 * allocation is measured on that thread, inside the test JVM's bounded heap ({@code mutual.test.argLine}, -Xmx2g).
 *
 * <p>Case {@code i} of parser {@code p} is made from its own generator seeded by (run seed, p, i), so one case replays
 * alone: {@code -Dfuzz.seed=S -Dfuzz.case=i}. Other knobs: {@code -Dfuzz.scale=10} (ten times the cases),
 * {@code -Dfuzz.cases=N} (exactly N per parser), {@code -Dfuzz.timeoutSeconds}, {@code -Dfuzz.maxAllocMb},
 * {@code -Dfuzz.budgetSeconds} (per parser: past it the run stops early and says so). Failing inputs are saved under
 * {@code target/fuzz-failures/}.
 */
public final class Fuzzer {
    private static final Logger log = LoggerFactory.getLogger(Fuzzer.class);
    public static final long DEFAULT_SEED = 13L;
    static final String UNMUTATED = "unmutated";
    private static final int FAILURES_SHOWN = 8;

    /** The code under test for one case: write the case's file(s) into {@code dir} (empty for each case) and parse. */
    public interface Target {
        void run(FuzzCase c, Path dir) throws Exception;
    }

    /**
     * What a run did. {@code stoppedEarly} is null unless the time budget ran out before every case ran; {@code slowest}
     * names the slowest case (replay it to see what makes a parser slow).
     */
    public record Report(String parser, long seed, int tried, int ok, int clean, List<String> failures, double seconds, String stoppedEarly,
                         String slowest) {
        public String summary() {
            return String.format(Locale.ROOT, "fuzz %s: %d cases (seed %d), %d ok, %d clean errors, %d failures, in %.1f s%s%s",
                    parser, tried, seed, ok, clean, failures.size(), seconds, slowest == null ? "" : " (slowest " + slowest + ")",
                    stoppedEarly == null ? "" : " (" + stoppedEarly + ")");
        }
    }

    private enum Result { OK, CLEAN }

    /** A case's result, with the clean error's message. */
    private record Outcome(Result result, String message) {}

    private Fuzzer() {
    }

    /**
     * Runs {@code defaultCases} cases (scaled by the system properties above) and throws an AssertionError naming
     * every failure and how to replay it; otherwise returns the report, which is also logged.
     */
    public static Report run(String parser, List<Seed> seeds, int defaultCases, Target target) {
        long seed = Long.getLong("fuzz.seed", DEFAULT_SEED);
        Integer only = Integer.getInteger("fuzz.case");
        int cases = Integer.getInteger("fuzz.cases", (int) Math.max(1, Math.round(defaultCases * Double.parseDouble(System.getProperty("fuzz.scale", "1")))));
        long timeoutMs = (long) (1000 * Double.parseDouble(System.getProperty("fuzz.timeoutSeconds", "10")));
        long maxAlloc = Long.getLong("fuzz.maxAllocMb", 256) << 20;
        double budget = Double.parseDouble(System.getProperty("fuzz.budgetSeconds", "60"));
        String testClass = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).getCallerClass().getSimpleName();

        Path scratch;
        try {
            scratch = Files.createTempDirectory("fuzz-" + parser + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExecutorService worker = newWorker(parser);
        // The parsers' warnings (a skipped record, say) would flood the log thousands of times: errors only while fuzzing.
        ch.qos.logback.classic.Logger project = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.mutual");
        ch.qos.logback.classic.Level level = project.getLevel();
        project.setLevel(ch.qos.logback.classic.Level.ERROR);
        List<String> failures = new ArrayList<>();
        Map<String, String> shown = new LinkedHashMap<>();
        Map<String, Integer> kinds = new LinkedHashMap<>();
        int ok = 0, clean = 0, tried = 0;
        String stoppedEarly = null;
        String slowest = null;
        long slowestNanos = -1;
        long start = System.nanoTime();
        try {
            for (int i = only != null ? only : 0; i < (only != null ? only + 1 : cases); i++) {
                double elapsed = (System.nanoTime() - start) / 1e9;
                if (only == null && elapsed > budget) {
                    stoppedEarly = "stopped after " + tried + " of " + cases + " cases: time budget " + budget + " s";
                    break;
                }
                FuzzCase c = make(parser, seed, i, seeds);
                tried++;
                clear(scratch);
                String failure;
                long caseStart = System.nanoTime();
                Future<Outcome> future = worker.submit(() -> runCase(target, c, scratch, maxAlloc));
                try {
                    Outcome r = future.get(timeoutMs, TimeUnit.MILLISECONDS);
                    long nanos = System.nanoTime() - caseStart;
                    if (nanos > slowestNanos) {
                        slowestNanos = nanos;
                        slowest = String.format(Locale.ROOT, "case %d, %.2f s", c.index(), nanos / 1e9);
                    }
                    if (r.result() == Result.OK) ok++;
                    else clean++;
                    failure = c.unmutated() && r.result() != Result.OK ? "the unmutated seed file was refused: " + r.message() : null;
                } catch (TimeoutException e) {
                    // The stuck thread cannot be stopped: abandon it (a daemon) and stop, since it may hold the CPU.
                    failure = "still running after " + timeoutMs + " ms (a hang or unbounded work)";
                    worker.shutdownNow();
                    stoppedEarly = "stopped at the hanging case";
                } catch (ExecutionException e) {
                    failure = describe(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                if (failure != null) {
                    failure = printable(failure);
                    failures.add(failure);
                    // The first case of each kind of failure is shown in full: one bug fails many cases alike.
                    String kind = failure.lines().limit(2).reduce("", String::concat).replaceAll("\\d+", "N");
                    shown.merge(kind, record(c, failure, testClass), (a, b) -> a);
                    kinds.merge(kind, 1, Integer::sum);
                }
                if (stoppedEarly != null) break;
            }
        } finally {
            project.setLevel(level);
            worker.shutdownNow();
            clear(scratch);
            try {
                Files.deleteIfExists(scratch);
            } catch (IOException ignored) {
                // a temp folder left behind is harmless
            }
        }
        Report report = new Report(parser, seed, tried, ok, clean, failures, (System.nanoTime() - start) / 1e9, stoppedEarly, slowest);
        log.info(report.summary());
        if (!failures.isEmpty()) {
            StringBuilder msg = new StringBuilder(report.summary()).append(", ").append(kinds.size()).append(" kinds:");
            int n = 0;
            for (Map.Entry<String, String> kind : shown.entrySet()) {
                if (n++ == FAILURES_SHOWN) {
                    msg.append("\n... and ").append(kinds.size() - FAILURES_SHOWN).append(" more kinds");
                    break;
                }
                msg.append("\n").append(kind.getValue()).append("\n    (").append(kinds.get(kind.getKey())).append(" cases of this kind)");
            }
            throw new AssertionError(msg.toString());
        }
        return report;
    }

    /** Case {@code index}: the first cases are the seeds themselves, the rest a seed mutated by the case's generator. */
    static FuzzCase make(String parser, long seed, int index, List<Seed> seeds) {
        SplittableRandom rnd = new SplittableRandom(mix(seed, parser.hashCode(), index));
        if (index < seeds.size()) {
            Seed s = seeds.get(index);
            return new FuzzCase(parser, seed, index, s, s.bytes(), UNMUTATED, rnd);
        }
        Seed s = seeds.get(rnd.nextInt(seeds.size()));
        Mutations.Mutated m = Mutations.mutate(s, rnd);
        return new FuzzCase(parser, seed, index, s, m.bytes(), m.description(), rnd);
    }

    private static long mix(long seed, int parser, int index) {
        long h = seed * 0x9E3779B97F4A7C15L + parser;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + index;
        return h ^ (h >>> 29);
    }

    private static Outcome runCase(Target target, FuzzCase c, Path dir, long maxAlloc) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        Outcome result;
        try {
            target.run(c, dir);
            result = new Outcome(Result.OK, null);
        } catch (UserInputException e) {
            String message = e.getMessage();
            if (message == null || message.isBlank() || message.contains("java.lang.") || message.contains("NullPointer")) {
                throw new IllegalStateException("unclear UserInputException message: " + message, e);
            }
            result = new Outcome(Result.CLEAN, message);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        if (allocated > maxAlloc) {
            throw new IllegalStateException("allocated " + (allocated >> 20) + " MB, more than the " + (maxAlloc >> 20) + " MB cap per case");
        }
        return result;
    }

    /**
     * Control characters and lone surrogates from a mutated input escaped and long lines cut, so the report itself
     * stays readable.
     */
    static String printable(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int lineStart = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') lineStart = out.length() + 1;
            else if (out.length() - lineStart == 300) {
                int end = s.indexOf('\n', i);
                out.append("...");
                if (end < 0) break;
                i = end - 1;
                continue;
            }
            char ch = s.charAt(i);
            boolean pair = Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (pair) {
                out.append(ch).append(s.charAt(++i));
            } else if (Character.isSurrogate(ch) || (Character.isISOControl(ch) && ch != '\n')) {
                out.append(String.format("\\u%04x", (int) ch));
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    private static String describe(Throwable t) {
        StringBuilder s = new StringBuilder(t.toString());
        StackTraceElement[] trace = t.getStackTrace();
        for (int k = 0; k < Math.min(6, trace.length); k++) s.append("\n      at ").append(trace[k]);
        if (t.getCause() != null && t.getCause() != t) s.append("\n    caused by ").append(t.getCause());
        return s.toString();
    }

    /** The failure's line: the case, what happened, the saved input and the command that replays it. */
    private static String record(FuzzCase c, String failure, String testClass) {
        Path saved = Path.of("target", "fuzz-failures", c.parser() + "-case" + c.index() + "-" + c.origin().name());
        try {
            Files.createDirectories(saved.getParent());
            Files.write(saved, c.bytes());
        } catch (IOException e) {
            saved = null;
        }
        String module = Path.of("").toAbsolutePath().getFileName().toString();
        return "  " + c + ": " + failure + "\n    input: " + (saved == null ? "(not saved)" : saved.toAbsolutePath())
                + "\n    replay: mvn -B -o -q verify -pl " + module + " -am -Dtest=" + testClass
                + " -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.seed=" + c.runSeed() + " -Dfuzz.case=" + c.index();
    }

    private static ExecutorService newWorker(String parser) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-" + parser);
            t.setDaemon(true);
            return t;
        });
    }

    private static void clear(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + dir, e);
        }
    }
}
