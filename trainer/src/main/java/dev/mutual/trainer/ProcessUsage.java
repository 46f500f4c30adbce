package dev.mutual.trainer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this JVM process uses, for the benchmarks' JSON lines: CPU time and resident memory. On a shared machine wall
 * time includes waiting for a core; CPU time (all JVM threads, JIT and GC included) does not.
 */
public final class ProcessUsage {
    private ProcessUsage() {}

    /** CPU time of the whole JVM process (all threads, JIT and GC included). */
    public static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Peak resident set (VmHWM) from /proc/self/status (Linux), in MB; NaN where there is none. */
    public static double peakRssMb() {
        return procStatusMb("VmHWM:");
    }

    /** Current resident set (VmRSS) from /proc/self/status (Linux), in MB; NaN where there is none. */
    public static double rssMb() {
        return procStatusMb("VmRSS:");
    }

    private static double procStatusMb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
