package dev.offpool.benchmarks;

import dev.offpool.OffPool;
import dev.offpool.benchmarks.peers.DirectBufferCleaner;
import dev.offpool.benchmarks.peers.NativeMalloc;
import dev.offpool.benchmarks.peers.NettyAllocators;
import dev.offpool.benchmarks.report.Versus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * What does allocating and freeing one block cost, in offpool and in each peer? The main table.
 *
 * <p>One operation allocates a block of {@code size} bytes, writes one byte into it and frees it, on one thread, so
 * each allocator runs its warm fast path (thread cache, tcache, magazine). The pooled-{@code Arena} pair opens an
 * arena, makes four allocations and closes it, the pattern FFM code uses a confined arena for.
 *
 * <p>The work is not quite the same everywhere: offpool, the JDK arenas and {@code allocateDirect} hand out zeroed
 * memory, so they also clear {@code size} bytes per allocation; malloc (glibc, mimalloc, jemalloc) and Netty do not.
 * {@code directGc} leaves its buffer to the GC (and to {@code System.gc()} when direct memory runs out): that is what
 * "freeing" a direct buffer costs when nobody calls the cleaner.
 *
 * <p>Sizes: offpool's small tier (pools and thread caches) serves up to {@link OffPool#smallThresholdBytes()}, 512
 * bytes by default; larger requests go to the huge tier today, one mapping per allocation, and to the large tier
 * (best fit in big chunks) once it lands, so the 4096 and 65536 columns measure whichever tier the build has.
 *
 * <p>{@code jemalloc} needs {@code LD_PRELOAD=libjemalloc.so.2}: {@code benchmarks/run.sh} runs it in a JMH invocation
 * of its own and excludes it from the main one. Without the preload, or without mimalloc installed, those benchmarks
 * fail at setup with a message; they never measure another allocator instead.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xms1g", "-Xmx1g", "-Dio.netty.leakDetection.level=disabled"})
public class AllocFreeBenchmark {
    private static final OffPool POOL = OffPool.global();
    private static final NativeMalloc GLIBC = NativeMalloc.glibc();
    private static final int ARENA_ALLOCATIONS = 4;

    /** The block size, the same for every allocator. */
    @State(Scope.Thread)
    public static class Size {
        /** Bytes per block. */
        @Param({"16", "64", "256", "512", "4096", "65536"})
        public int size;
    }

    /** Loads mimalloc before measuring, so a missing library fails at setup. */
    @State(Scope.Thread)
    public static class MimallocLoaded {
        /** Loads the library. */
        @Setup
        public void load() {
            NativeMalloc.mimalloc();
        }
    }

    /** Checks that jemalloc was preloaded before measuring. */
    @State(Scope.Thread)
    public static class JemallocPreloaded {
        /** Finds the preloaded library. */
        @Setup
        public void load() {
            NativeMalloc.jemallocPreloaded();
        }
    }

    /** Netty's allocators, one of each per fork. */
    @State(Scope.Thread)
    public static class Netty {
        ByteBufAllocator pooled;
        ByteBufAllocator adaptive;

        /** Builds both allocators. */
        @Setup
        public void create() {
            pooled = NettyAllocators.pooled();
            adaptive = NettyAllocators.adaptive();
        }
    }

    // ---- offpool -----------------------------------------------------------------------------------------------

    /** offpool's raw path: address in, address out, no garbage. */
    @Benchmark
    public void offpoolRaw(Size s) {
        long address = POOL.allocateAddress(s.size);
        RawMemory.touch(address);
        POOL.freeAddress(address);
    }

    /** offpool's segment path: a bounds-checked global-scope segment. */
    @Benchmark
    public void offpoolSegment(Size s) {
        MemorySegment segment = POOL.allocate(s.size);
        segment.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        POOL.free(segment);
    }

    /** offpool's pooled confined {@link Arena}: open, four allocations, close. */
    @Benchmark
    public void offpoolArena4(Size s) {
        try (Arena arena = POOL.newConfinedArena()) {
            for (int i = 0; i < ARENA_ALLOCATIONS; i++) {
                arena.allocate(s.size).set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
            }
        }
    }

    // ---- JDK ---------------------------------------------------------------------------------------------------

    /** {@code Arena.ofConfined()}: open, one allocation, close. */
    @Benchmark
    @Versus("offpoolSegment")
    public void arenaConfined(Size s) {
        try (Arena arena = Arena.ofConfined()) {
            arena.allocate(s.size).set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        }
    }

    /** {@code Arena.ofConfined()}: open, four allocations, close. */
    @Benchmark
    @Versus("offpoolArena4")
    public void arenaConfined4(Size s) {
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < ARENA_ALLOCATIONS; i++) {
                arena.allocate(s.size).set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
            }
        }
    }

    /**
     * {@code Arena.ofConfined()} opened and closed with nothing allocated: the floor under both arena rows, since a
     * pooled arena takes its scope from a JDK arena too (the only public way to get a closable scope).
     */
    @Benchmark
    public void arenaConfinedEmpty(Blackhole bh) {
        try (Arena arena = Arena.ofConfined()) {
            bh.consume(arena.scope());
        }
    }

    /** {@code ByteBuffer.allocateDirect}, freed at once through the buffer's cleaner. */
    @Benchmark
    public void directCleaner(Size s) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(s.size);
        buffer.put(0, (byte) 1);
        DirectBufferCleaner.free(buffer);
    }

    /** {@code ByteBuffer.allocateDirect}, dropped: the GC and its cleaner free it. */
    @Benchmark
    public ByteBuffer directGc(Size s) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(s.size);
        buffer.put(0, (byte) 1);
        return buffer;
    }

    // ---- native mallocs through FFM downcalls ------------------------------------------------------------------

    /** glibc {@code malloc}/{@code free}. */
    @Benchmark
    public void glibc(Size s) {
        long address = GLIBC.malloc(s.size);
        RawMemory.touch(address);
        GLIBC.free(address);
    }

    /** mimalloc {@code mi_malloc}/{@code mi_free}. */
    @Benchmark
    public void mimalloc(Size s, MimallocLoaded loaded) {
        NativeMalloc mimalloc = NativeMalloc.mimalloc();
        long address = mimalloc.malloc(s.size);
        RawMemory.touch(address);
        mimalloc.free(address);
    }

    /** jemalloc {@code malloc}/{@code free}; only under {@code LD_PRELOAD=libjemalloc.so.2}. */
    @Benchmark
    public void jemalloc(Size s, JemallocPreloaded preloaded) {
        NativeMalloc jemalloc = NativeMalloc.jemallocPreloaded();
        long address = jemalloc.malloc(s.size);
        RawMemory.touch(address);
        jemalloc.free(address);
    }

    // ---- Netty -------------------------------------------------------------------------------------------------

    /** Netty's {@code PooledByteBufAllocator}: {@code directBuffer(size)}, then {@code release()}. */
    @Benchmark
    public void nettyPooled(Size s, Netty netty) {
        ByteBuf buffer = netty.pooled.directBuffer(s.size);
        buffer.setByte(0, 1);
        buffer.release();
    }

    /** Netty 4.2's {@code AdaptiveByteBufAllocator}: {@code directBuffer(size)}, then {@code release()}. */
    @Benchmark
    public void nettyAdaptive(Size s, Netty netty) {
        ByteBuf buffer = netty.adaptive.directBuffer(s.size);
        buffer.setByte(0, 1);
        buffer.release();
    }
}
