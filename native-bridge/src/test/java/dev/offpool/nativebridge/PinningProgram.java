package dev.offpool.nativebridge;

import dev.offpool.OffPool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The pinning scenario from the design, run in a JVM of its own so that nothing else moves its RSS: allocate
 * 1,000,000 blocks of 40 bytes, free all but every 13,000th (77 left), trim, and report RSS; then free the rest,
 * trim, and report again. Prints {@code key=value} lines for {@link PinningRssTest} to read.
 */
public final class PinningProgram {
    private static final int BLOCKS = 1_000_000;
    private static final int KEEP_EVERY = 13_000;
    private static final int BLOCK_BYTES = 40;

    private PinningProgram() {
    }

    /** @param args unused */
    public static void main(String[] args) {
        long[] blocks = new long[BLOCKS];
        try (OffPool pool = OffPool.builder().build()) {
            // Warm up so the JIT's code and the classes involved are resident before the baseline.
            for (int round = 0; round < 3; round++) {
                cycle(pool, blocks, 200_000);
            }
            long baseline = ResidentSetSize.bytes();

            for (int i = 0; i < BLOCKS; i++) {
                blocks[i] = pool.allocateAddress(BLOCK_BYTES);
                write(blocks[i]);
            }
            long peak = ResidentSetSize.bytes();
            int kept = 0;
            for (int i = 0; i < BLOCKS; i++) {
                if (i % KEEP_EVERY == 0) {
                    kept++;
                } else {
                    pool.freeAddress(blocks[i]);
                }
            }
            pool.trim();
            long pinned = ResidentSetSize.bytes();
            long arenasPinned = pool.stats().arenasCurrent();

            for (int i = 0; i < BLOCKS; i += KEEP_EVERY) {
                pool.freeAddress(blocks[i]);
            }
            pool.trim();
            long drained = ResidentSetSize.bytes();
            pool.verify();

            System.out.println("pageSource=" + pool.stats().pageSource());
            System.out.println("kept=" + kept);
            System.out.println("arenasWhilePinned=" + arenasPinned);
            System.out.println("peakAboveBaseline=" + (peak - baseline));
            System.out.println("pinnedAboveBaseline=" + (pinned - baseline));
            System.out.println("drainedAboveBaseline=" + (drained - baseline));
        }
    }

    // A program writes what it allocates; fresh blocks come from untouched pages, which cost no RSS until then.
    private static void write(long block) {
        MemorySegment.ofAddress(block).reinterpret(BLOCK_BYTES).set(ValueLayout.JAVA_LONG, 0, block);
    }

    private static void cycle(OffPool pool, long[] blocks, int count) {
        for (int i = 0; i < count; i++) {
            blocks[i] = pool.allocateAddress(BLOCK_BYTES);
            write(blocks[i]);
        }
        for (int i = 0; i < count; i++) {
            if (i % KEEP_EVERY != 0) {
                pool.freeAddress(blocks[i]);
            }
        }
        pool.trim();
        for (int i = 0; i < count; i += KEEP_EVERY) {
            pool.freeAddress(blocks[i]);
        }
        pool.trim();
    }
}
