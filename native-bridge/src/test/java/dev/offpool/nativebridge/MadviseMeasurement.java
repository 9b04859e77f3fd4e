package dev.offpool.nativebridge;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Measures what each {@link DiscardAdvice} does to RSS and what it costs, for the table in {@link MmapPageSource}.
 * Not a test (surefire skips it); run it by hand after {@code mvn -pl native-bridge -am test-compile}:
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED \
 *      -cp core/target/classes:native-bridge/target/classes:native-bridge/target/test-classes \
 *      dev.offpool.nativebridge.MadviseMeasurement
 * </pre>
 *
 * <p>Per advice and round: map 64 MiB, write every page, discard it all in one call, write it all again, then
 * discard it again as 16 KiB pieces (one call per pool, the way an allocator discards empty pools). Times are the
 * median of the rounds; RSS is read from {@code /proc/self/statm}.
 */
final class MadviseMeasurement {
    private static final long CHUNK_BYTES = 64L << 20;
    private static final long POOL_BYTES = 16L << 10;
    private static final long ALIGNMENT_BYTES = 1L << 20;
    private static final int ROUNDS = 7;
    private static final double MIB = 1 << 20;

    private MadviseMeasurement() {
    }

    /**
     * Prints one line per advice.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        System.out.printf("%-14s %14s %14s %18s %14s %16s%n", "advice", "RSS written", "RSS discarded",
                "discard 1 call", "rewrite", "discard pools");
        for (DiscardAdvice advice : DiscardAdvice.values()) {
            measure(advice, false);
            measure(advice, true);
        }
    }

    private static void measure(DiscardAdvice advice, boolean print) {
        MmapPageSource source = new MmapPageSource(advice);
        long[] discardNanos = new long[ROUNDS];
        long[] rewriteNanos = new long[ROUNDS];
        long[] poolDiscardNanos = new long[ROUNDS];
        double writtenMib = 0;
        double discardedMib = 0;
        for (int round = 0; round < ROUNDS; round++) {
            MemorySegment chunk = source.reserve(CHUNK_BYTES, ALIGNMENT_BYTES);
            long before = ResidentSetSize.bytes();
            touchEveryPage(chunk, (byte) 1);
            long written = ResidentSetSize.bytes();

            long start = System.nanoTime();
            source.discard(chunk, 0, CHUNK_BYTES);
            discardNanos[round] = System.nanoTime() - start;
            long discarded = ResidentSetSize.bytes();

            start = System.nanoTime();
            touchEveryPage(chunk, (byte) 2);
            rewriteNanos[round] = System.nanoTime() - start;

            start = System.nanoTime();
            for (long offset = 0; offset < CHUNK_BYTES; offset += POOL_BYTES) {
                source.discard(chunk, offset, POOL_BYTES);
            }
            poolDiscardNanos[round] = System.nanoTime() - start;
            source.release(chunk);

            writtenMib += (written - before) / MIB / ROUNDS;
            discardedMib += (discarded - written) / MIB / ROUNDS;
        }
        if (print) {
            System.out.printf("%-14s %+10.1f MiB %+10.1f MiB %15.2f ms %11.2f ms %13.2f ms%n", "MADV_" + advice,
                    writtenMib, discardedMib, medianMillis(discardNanos), medianMillis(rewriteNanos),
                    medianMillis(poolDiscardNanos));
        }
    }

    private static void touchEveryPage(MemorySegment chunk, byte value) {
        long page = OsMemory.pageSize();
        for (long offset = 0; offset < chunk.byteSize(); offset += page) {
            chunk.set(ValueLayout.JAVA_BYTE, offset, value);
        }
    }

    private static double medianMillis(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }
}
