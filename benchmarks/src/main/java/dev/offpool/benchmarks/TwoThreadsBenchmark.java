package dev.offpool.benchmarks;

import dev.offpool.OffPool;
import dev.offpool.benchmarks.peers.NativeMalloc;
import dev.offpool.benchmarks.peers.NettyAllocators;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Does throughput double when two threads allocate and free at once from one shared allocator?
 *
 * <p>Each thread allocates a block, writes one byte and frees it, independently; the threads share the allocator
 * instance (offpool's global one, one Netty allocator, the process's glibc heap). Each allocator runs the same work
 * as {@code name_1thread} and {@code name_2threads}; JMH sums the threads' throughput, so scaling is
 * {@code 2threads / 1thread} (2.0 is perfect), which {@code ResultTable} prints as a table of its own, one column per
 * size: the target "two threads at 4 KiB run at least 1.8x one thread" is its {@code size=4096} cell.
 *
 * <p>Sizes: 64 B is offpool's pools and thread caches; 4, 16 and 64 KiB are the I/O buffer sizes the agent redirects,
 * served by whichever medium or large tier the build has. Peers beside: glibc {@code malloc} (a critical downcall, as
 * in {@link AllocFreeBenchmark}) and Netty's adaptive allocator with magazines for every thread. Only meaningful on a
 * quiet machine with at least two free cores.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xms1g", "-Xmx1g", "-Dio.netty.leakDetection.level=disabled"})
public class TwoThreadsBenchmark {
    private static final OffPool POOL = OffPool.global();
    private static final NativeMalloc GLIBC = NativeMalloc.glibc();

    /** The block size, and the Netty allocator the threads share. */
    @State(Scope.Benchmark)
    public static class Shared {
        /** Bytes per block. */
        @Param({"64", "4096", "16384", "65536"})
        public int size;
        ByteBufAllocator nettyAdaptive;

        /** Builds the Netty allocator. */
        @Setup
        public void create() {
            nettyAdaptive = NettyAllocators.adaptive();
        }
    }

    /** offpool raw path, one thread. */
    @Benchmark
    @Threads(1)
    public void offpoolRaw_1thread(Shared s) {
        offpoolRaw(s.size);
    }

    /** offpool raw path, two threads. */
    @Benchmark
    @Threads(2)
    public void offpoolRaw_2threads(Shared s) {
        offpoolRaw(s.size);
    }

    /** Netty adaptive allocator, one thread. */
    @Benchmark
    @Threads(1)
    public void nettyAdaptive_1thread(Shared s) {
        nettyAdaptive(s);
    }

    /** Netty adaptive allocator, two threads. */
    @Benchmark
    @Threads(2)
    public void nettyAdaptive_2threads(Shared s) {
        nettyAdaptive(s);
    }

    /** glibc malloc/free (critical downcalls), one thread. */
    @Benchmark
    @Threads(1)
    public void glibcMalloc_1thread(Shared s) {
        glibcMalloc(s.size);
    }

    /** glibc malloc/free (critical downcalls), two threads. */
    @Benchmark
    @Threads(2)
    public void glibcMalloc_2threads(Shared s) {
        glibcMalloc(s.size);
    }

    private static void offpoolRaw(int size) {
        long address = POOL.allocateAddress(size);
        RawMemory.touch(address);
        POOL.freeAddress(address);
    }

    private static void nettyAdaptive(Shared s) {
        ByteBuf buffer = s.nettyAdaptive.directBuffer(s.size);
        buffer.setByte(0, 1);
        buffer.release();
    }

    private static void glibcMalloc(int size) {
        long address = GLIBC.malloc(size);
        RawMemory.touch(address);
        GLIBC.free(address);
    }
}
