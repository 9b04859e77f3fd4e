package dev.offpool.benchmarks;

import dev.offpool.OffPool;
import dev.offpool.benchmarks.peers.NativeMalloc;
import dev.offpool.benchmarks.report.Versus;
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
 * Does an allocation or a free get slower as the heap holds more live blocks? pymalloc's answer is no: both are
 * O(1) whatever the heap holds, and this checks that offpool keeps it.
 *
 * <p>Setup allocates {@code liveBlocks} blocks of random sizes 16..512 (seeded, so every run builds the same heap) in
 * a fresh allocator and keeps them; teardown frees them all. Two operations are measured against that heap:
 * <ul>
 *   <li>{@code *AllocFree}: allocate 64 bytes, write one byte, free them: the hot path beside a big heap;</li>
 *   <li>{@code *ReplaceRandom}: free a randomly chosen live block and allocate a block of a random size 16..512 in
 *       its place, so frees land all over the heap. Its cost grows with the heap for every allocator once the heap
 *       outgrows the CPU caches (a random block is a cache and TLB miss); glibc beside it shows how much of the
 *       growth is the hardware's.</li>
 * </ul>
 * At 10,000,000 blocks each heap holds about 2.6 GB: run the largest size on a machine with room for it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xms1g", "-Xmx1g", "-Dio.netty.leakDetection.level=disabled"})
public class LiveBlocksBenchmark {
    private static final int MIN_BYTES = 16;
    private static final int MAX_BYTES = 512;
    private static final int HOT_BYTES = 64;
    private static final long SEED = 42;
    private static final NativeMalloc GLIBC = NativeMalloc.glibc();

    /** The live blocks, and a random stream to pick among them; subclasses say whose heap they live in. */
    @State(Scope.Thread)
    public abstract static class LiveHeap {
        /** How many blocks are live while measuring. */
        @Param({"1000", "100000", "1000000", "10000000"})
        public int liveBlocks;
        long[] blocks;
        private long random = SEED;

        /** {@return a uniformly random index into {@link #blocks}} */
        final int nextIndex() {
            return (int) (((nextRandom() >>> 32) * liveBlocks) >>> 32);
        }

        /** {@return a uniformly random size in {@code [MIN_BYTES, MAX_BYTES]}} */
        final int nextSize() {
            return MIN_BYTES + (int) (((nextRandom() >>> 32) * (MAX_BYTES - MIN_BYTES + 1)) >>> 32);
        }

        /** xorshift64: a few cycles, no allocation, same sequence every run. */
        private long nextRandom() {
            long x = random;
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            random = x;
            return x;
        }

        /**
         * Fills {@link #blocks} with seeded random sizes, each block written whole, as a program writes what it
         * allocates. Without the write the heaps would not be alike: glibc writes a header beside every block, so its
         * pages are resident, while offpool writes nothing into fresh memory from the OS (known zero, its state on the
         * Java heap), so its blocks' pages would be first touched, and faulted in, during the measurement.
         */
        final void fill() {
            blocks = new long[liveBlocks];
            SplittableRandom sizes = new SplittableRandom(SEED);
            for (int i = 0; i < liveBlocks; i++) {
                int size = sizes.nextInt(MIN_BYTES, MAX_BYTES + 1);
                blocks[i] = allocate(size);
                RawMemory.write(blocks[i], size);
            }
        }

        abstract long allocate(int byteSize);
    }

    /** The live blocks in a fresh offpool allocator with default settings. */
    public static class OffPoolHeap extends LiveHeap {
        OffPool pool;

        /** Builds the allocator and the heap. */
        @Setup(Level.Trial)
        public void setUp() {
            pool = OffPool.builder().build();
            fill();
        }

        @Override
        long allocate(int byteSize) {
            return pool.allocateAddress(byteSize);
        }

        /** Frees every live block, checks the heap, and closes the allocator. */
        @TearDown(Level.Trial)
        public void tearDown() {
            for (long block : blocks) {
                pool.freeAddress(block);
            }
            pool.verify();
            pool.close();
        }
    }

    /** The live blocks in glibc's heap. */
    public static class GlibcHeap extends LiveHeap {
        /** Builds the heap. */
        @Setup(Level.Trial)
        public void setUp() {
            fill();
        }

        @Override
        long allocate(int byteSize) {
            return GLIBC.malloc(byteSize);
        }

        /** Frees every live block. */
        @TearDown(Level.Trial)
        public void tearDown() {
            for (long block : blocks) {
                GLIBC.free(block);
            }
        }
    }

    /** offpool: allocate and free 64 bytes beside the live heap. */
    @Benchmark
    public void offpoolAllocFree(OffPoolHeap heap) {
        long address = heap.pool.allocateAddress(HOT_BYTES);
        RawMemory.touch(address);
        heap.pool.freeAddress(address);
    }

    /** offpool: free a random live block, allocate a random-sized one in its place. */
    @Benchmark
    public void offpoolReplaceRandom(OffPoolHeap heap) {
        int i = heap.nextIndex();
        heap.pool.freeAddress(heap.blocks[i]);
        long address = heap.pool.allocateAddress(heap.nextSize());
        RawMemory.touch(address);
        heap.blocks[i] = address;
    }

    /** glibc: allocate and free 64 bytes beside the live heap. */
    @Benchmark
    @Versus("offpoolAllocFree")
    public void glibcAllocFree(GlibcHeap heap) {
        long address = GLIBC.malloc(HOT_BYTES);
        RawMemory.touch(address);
        GLIBC.free(address);
    }

    /** glibc: free a random live block, allocate a random-sized one in its place. */
    @Benchmark
    @Versus("offpoolReplaceRandom")
    public void glibcReplaceRandom(GlibcHeap heap) {
        int i = heap.nextIndex();
        GLIBC.free(heap.blocks[i]);
        long address = GLIBC.malloc(heap.nextSize());
        RawMemory.touch(address);
        heap.blocks[i] = address;
    }
}
