package dev.mutual.trainer.inference;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/** Cost of one parallel region with near-empty parts: the old ForkJoin submit/join against WorkerTeam.run. */
public class DispatchMicro {
    static volatile long sink;
    public static void main(String[] a) {
        int calls = 20000, parts = 16;
        ForkJoinPool pool = new ForkJoinPool(2);
        try (WorkerTeam team = new WorkerTeam(2)) {
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < calls; i++) pool.submit(() -> IntStream.range(0, parts).parallel().forEach(p -> sink += p)).join();
                long t1 = System.nanoTime();
                for (int i = 0; i < calls; i++) team.run(parts, p -> sink += p);
                long t2 = System.nanoTime();
                System.out.printf("round %d: ForkJoin submit+join %.1f us/region, WorkerTeam.run %.1f us/region, load %s%n", round,
                        (t1 - t0) / 1e3 / calls, (t2 - t1) / 1e3 / calls, new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/loadavg"))).trim().split(" ")[0]);
            }
        } catch (java.io.IOException e) { throw new RuntimeException(e); }
        pool.shutdown();
    }
}
