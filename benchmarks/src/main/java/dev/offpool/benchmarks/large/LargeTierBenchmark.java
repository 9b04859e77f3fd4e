package dev.offpool.benchmarks.large;

import dev.offpool.OffPool;
import dev.offpool.internal.ArenaPageSource;
import dev.offpool.internal.RegionMap;
import dev.offpool.internal.large.LargeHeap;
import dev.offpool.internal.ReservedBytes;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Does the large tier's best fit stay flat as free blocks pile up, where the textbook first-fit list grows with them?
 *
 * <p>Setup leaves {@code freeBlocks} holes of varied sizes (520..1100 bytes), each between two small live blocks, so
 * no two holes merge. Each operation then allocates a random size from 600 to 8192 bytes and frees it at once: most
 * requests fit no hole, so first fit walks the whole list to the region's tail, and the free walks it again to find
 * the block's place; best fit is one tree descent each way. Both heaps zero the requested bytes, so that cost is the
 * same on both sides.
 *
 * {@snippet lang = "sh" :
 * benchmarks/run.sh full --only LargeTierBenchmark
 * }
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
public class LargeTierBenchmark {
    private static final int HOLE_MIN_BYTES = 520;
    private static final int HOLE_MAX_BYTES = 1100;
    /** The smallest request either heap takes: a fence that keeps two holes from merging. */
    private static final int FENCE_BYTES = 16;
    private static final int REQUEST_MIN_BYTES = 600;
    private static final int REQUEST_MAX_BYTES = 8192;
    /** Precomputed request sizes, cycled through, so the random generator stays out of the measurement. */
    private static final int REQUESTS = 4096;
    /** Room for the requests at the first-fit region's tail. */
    private static final long FIRST_FIT_SLACK_BYTES = 16L << 20;

    @Param({"10", "100", "1000", "10000", "100000"})
    public int freeBlocks;

    private LargeHeap large;
    private FirstFitHeap firstFit;
    private final long[] requestSizes = new long[REQUESTS];
    private int nextRequest;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < REQUESTS; i++) {
            requestSizes[i] = random.nextInt(REQUEST_MIN_BYTES, REQUEST_MAX_BYTES + 1);
        }
        long[] holeSizes = new long[freeBlocks];
        for (int i = 0; i < freeBlocks; i++) {
            holeSizes[i] = random.nextInt(HOLE_MIN_BYTES, HOLE_MAX_BYTES + 1);
        }

        // As an OffPool builds it: requests start above the 512-byte small tier.
        large = new LargeHeap(new RegionMap(20), new ReservedBytes(Long.MAX_VALUE, new ArenaPageSource()),
                LargeHeap.DEFAULT_CHUNK_BYTES, LargeHeap.DEFAULT_MAX_BLOCK_BYTES, OffPool.DEFAULT_SMALL_MAX_BYTES + 1);
        long[] holes = new long[freeBlocks];
        for (int i = 0; i < freeBlocks; i++) {
            holes[i] = large.allocate(holeSizes[i], 1);
            large.allocate(FENCE_BYTES, 1);
        }
        for (long hole : holes) {
            large.free(hole);
        }

        firstFit = new FirstFitHeap(freeBlocks * (HOLE_MAX_BYTES + 2 * FirstFitHeap.HEADER_BYTES + FENCE_BYTES + 16)
                + FIRST_FIT_SLACK_BYTES);
        for (int i = 0; i < freeBlocks; i++) {
            holes[i] = firstFit.allocate(holeSizes[i]);
            firstFit.allocate(FENCE_BYTES);
        }
        // Highest address first: each freed hole goes to the head of the list, so setup stays linear.
        for (int i = freeBlocks - 1; i >= 0; i--) {
            firstFit.free(holes[i]);
        }
        if (firstFit.freeBlockCount() != freeBlocks + 1) {
            throw new IllegalStateException("first-fit setup left " + firstFit.freeBlockCount() + " free blocks");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        large.verify(); // the holes are all still there, and the heap is sound after millions of operations
        large.close();
        firstFit.close();
    }

    private long nextSize() {
        long size = requestSizes[nextRequest];
        nextRequest = (nextRequest + 1) & (REQUESTS - 1);
        return size;
    }

    @Benchmark
    public long largeHeapBestFit() {
        long address = large.allocate(nextSize(), 1);
        large.free(address);
        return address;
    }

    @Benchmark
    public long firstFitList() {
        long address = firstFit.allocate(nextSize());
        firstFit.free(address);
        return address;
    }
}
