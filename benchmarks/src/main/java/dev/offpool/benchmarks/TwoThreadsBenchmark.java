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
 * {@code 2threads / 1thread} (2.0 is perfect), which {@code ResultTable} prints. Only meaningful on a quiet machine
 * with at least two free cores. At 4096 bytes offpool serves from its large tier, whose single lock is the
 * contention this measures.
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
        /** Bytes per block: 64 B is offpool's pools and thread caches; 4096 B its large tier, one lock per heap. */
        @Param({"64", "4096"})
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

    /** glibc malloc/free, one thread. */
    @Benchmark
    @Threads(1)
    public void glibc_1thread(Shared s) {
        glibc(s.size);
    }

    /** glibc malloc/free, two threads. */
    @Benchmark
    @Threads(2)
    public void glibc_2threads(Shared s) {
        glibc(s.size);
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

    private static void glibc(int size) {
        long address = GLIBC.malloc(size);
        RawMemory.touch(address);
        GLIBC.free(address);
    }
}
