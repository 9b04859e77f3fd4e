package dev.offpool.examples;

import dev.offpool.OffPool;
import dev.offpool.PoolStats;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The README's demo: allocates a mix of small blocks through the public API, frees most of them, uses a pooled
 * {@link Arena}, and prints the allocator's stats table before and after.
 */
public final class Demo {
    private Demo() {
    }

    /** {@return this process's resident set size, from /proc/self/statm (Linux)} */
    private static long residentBytes() {
        try {
            String[] fields = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
            return Long.parseLong(fields[1]) * 4096;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @param args unused */
    public static void main(String[] args) {
        // A first pass on a throwaway allocator, unprinted, so the JIT has compiled the paths before RSS is read:
        // compiler memory moves process RSS by megabytes otherwise.
        try (OffPool warmUp = OffPool.builder().build()) {
            run(warmUp, false);
        }
        try (OffPool pool = OffPool.builder().build()) {
            run(pool, true);
        }
    }

    private static void run(OffPool pool, boolean print) {
        SplittableRandom random = new SplittableRandom(42);
        List<MemorySegment> live = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            MemorySegment block = pool.allocate(4 + random.nextInt(509));
            block.set(ValueLayout.JAVA_INT_UNALIGNED, 0, i);
            live.add(block);
        }
        if (print) {
            System.out.println("=== after 200,000 allocations of 4..512 bytes ===");
            System.out.println(pool.stats().toTable());
        }
        long rssFull = residentBytes();

        for (int i = 0; i < live.size(); i++) {
            if (i % 100 != 0) {
                pool.free(live.get(i));
            }
        }
        try (Arena arena = pool.newConfinedArena()) {
            MemorySegment greeting = arena.allocateFrom("hello from a pooled arena");
            if (print) {
                System.out.println(greeting.getString(0));
            }
        }
        pool.trim();
        pool.verify();
        if (!print) {
            return;
        }
        PoolStats stats = pool.stats();
        System.out.println("=== after freeing 99% of them ===");
        System.out.println(stats.toTable());
        System.out.printf("bytes accounted %,d of %,d in arenas; verify() passed%n", stats.accountedBytes(),
                stats.bytesInArenas());
        System.out.printf("process RSS: %,d MiB with every block live, %,d MiB after freeing 99%% and trim() (page"
                + " source: %s; %,d MiB of unused pools given back)%n", rssFull >> 20, residentBytes() >> 20,
                stats.pageSource(), stats.bytesInUnusedPools() >> 20);
    }
}
