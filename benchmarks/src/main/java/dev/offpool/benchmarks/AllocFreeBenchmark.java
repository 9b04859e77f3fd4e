package dev.offpool.benchmarks;

import dev.offpool.OffPool;
import dev.offpool.benchmarks.peers.DirectBufferCleaner;
import dev.offpool.benchmarks.peers.NativeMalloc;
import dev.offpool.benchmarks.peers.NativeMalloc.Binding;
import dev.offpool.benchmarks.peers.NettyAllocators;
import dev.offpool.benchmarks.report.Versus;
import dev.offpool.benchmarks.report.Work;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

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
 * <h2>Same work, compared</h2>
 * offpool hands out zeroed blocks, so each method states its {@link Work} and the tables hold offpool against the
 * fastest peer that also zeroes, at every size, with the fastest non-zeroing malloc beside it:
 * <ul>
 *   <li>{@value #ZEROED_BLOCK}: offpool, {@code calloc} (glibc, mimalloc, jemalloc), {@code mi_zalloc},
 *       {@code malloc} + {@link MemorySegment#fill} (each library), {@code Arena.ofConfined()} and
 *       {@code Arena.ofShared()} (one allocation per arena), and {@code allocateDirect};</li>
 *   <li>{@value #BLOCK}: plain {@code malloc} of each library;</li>
 *   <li>{@value #POOLED_BUFFER}: Netty's allocators, as configured on an event loop ({@link NettyAllocators});</li>
 *   <li>{@value #ARENA_OF_FOUR}: offpool's pooled confined arena against {@code Arena.ofConfined()}.</li>
 * </ul>
 *
 * <h2>Native peers</h2>
 * Every native function is bound with {@code Linker.Option.critical(false)} ({@link Binding#CRITICAL}), as a JVM
 * engineer binds a short leaf function; the {@code *NonCritical} rows repeat malloc and calloc of each library as
 * ordinary downcalls, so the cost of the thread-state transition is in the same table. {@code jemalloc*} needs
 * {@code LD_PRELOAD=libjemalloc.so.2}: {@code benchmarks/run.sh} runs those methods in a JMH invocation of its own
 * and excludes them from the main one. Without the preload, or without mimalloc installed, those benchmarks fail at
 * setup with a message; they never measure another allocator instead.
 *
 * <p>{@code directGc} leaves its buffer to the GC (and to {@code System.gc()} when direct memory runs out): that is
 * what "freeing" a direct buffer costs when nobody calls the cleaner. {@code arenaConfinedEmpty} opens and closes a
 * confined arena with nothing in it: the floor under both arena rows.
 *
 * <p>Sizes span offpool's tiers as the build has them (see {@link OffPool#smallThresholdBytes()} and the
 * architecture notes) and the I/O buffer sizes the agent redirects, 4 to 64 KiB; 256 KiB is past them all.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xms1g", "-Xmx1g", "-Dio.netty.leakDetection.level=disabled"})
public class AllocFreeBenchmark {
    /** Work: a block of {@code size} bytes that reads as zeroes, allocated, written once and freed. */
    public static final String ZEROED_BLOCK = "zeroed block";
    /** Work: a block of {@code size} bytes with whatever it held before, allocated, written once and freed. */
    public static final String BLOCK = "block, not zeroed";
    /** Work: a pooled {@code ByteBuf} of {@code size} bytes, not zeroed, allocated, written once and released. */
    public static final String POOLED_BUFFER = "pooled ByteBuf, not zeroed";
    /** Work: a confined arena opened, four zeroed blocks of {@code size} bytes allocated and written, closed. */
    public static final String ARENA_OF_FOUR = "confined arena, 4 zeroed blocks";

    private static final OffPool POOL = OffPool.global();
    private static final NativeMalloc GLIBC = NativeMalloc.glibc();
    private static final NativeMalloc GLIBC_NON_CRITICAL = NativeMalloc.glibc(Binding.NON_CRITICAL);
    private static final int ARENA_ALLOCATIONS = 4;

    /** The block size, the same for every allocator. */
    @State(Scope.Thread)
    public static class Size {
        /** Bytes per block. */
        @Param({"16", "64", "256", "512", "1024", "4096", "16384", "65536", "262144"})
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
    @Work(value = ZEROED_BLOCK, beside = BLOCK)
    public void offpoolRaw(Size s) {
        long address = POOL.allocateAddress(s.size);
        RawMemory.touch(address);
        POOL.freeAddress(address);
    }

    /** offpool's segment path: a bounds-checked segment. */
    @Benchmark
    @Work(value = ZEROED_BLOCK, beside = BLOCK)
    public void offpoolSegment(Size s) {
        MemorySegment segment = POOL.allocate(s.size);
        segment.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        POOL.free(segment);
    }

    /** offpool's pooled confined {@link Arena}: open, four allocations, close. */
    @Benchmark
    @Work(ARENA_OF_FOUR)
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
    @Work(ZEROED_BLOCK)
    @Versus("offpoolSegment")
    public void arenaConfined(Size s) {
        try (Arena arena = Arena.ofConfined()) {
            arena.allocate(s.size).set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        }
    }

    /** {@code Arena.ofShared()}: open, one allocation, close (a close is a handshake with every thread). */
    @Benchmark
    @Work(ZEROED_BLOCK)
    @Versus("offpoolSegment")
    public void arenaShared(Size s) {
        try (Arena arena = Arena.ofShared()) {
            arena.allocate(s.size).set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        }
    }

    /** {@code Arena.ofConfined()}: open, four allocations, close. */
    @Benchmark
    @Work(ARENA_OF_FOUR)
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
    @Work(ZEROED_BLOCK)
    public void directCleaner(Size s) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(s.size);
        buffer.put(0, (byte) 1);
        DirectBufferCleaner.free(buffer);
    }

    /** {@code ByteBuffer.allocateDirect}, dropped: the GC and its cleaner free it. */
    @Benchmark
    @Work(ZEROED_BLOCK)
    public ByteBuffer directGc(Size s) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(s.size);
        buffer.put(0, (byte) 1);
        return buffer;
    }

    // ---- glibc -------------------------------------------------------------------------------------------------

    /** glibc {@code malloc}/{@code free}. */
    @Benchmark
    @Work(BLOCK)
    public void glibcMalloc(Size s) {
        malloc(GLIBC, s.size);
    }

    /** glibc {@code calloc}/{@code free}. */
    @Benchmark
    @Work(ZEROED_BLOCK)
    public void glibcCalloc(Size s) {
        calloc(GLIBC, s.size);
    }

    /** glibc {@code malloc}, {@link MemorySegment#fill} with zeroes, {@code free}. */
    @Benchmark
    @Work(ZEROED_BLOCK)
    public void glibcMallocFill(Size s) {
        mallocFill(GLIBC, s.size);
    }

    /** glibc {@code malloc}/{@code free} as ordinary downcalls. */
    @Benchmark
    @Work(BLOCK)
    public void glibcMallocNonCritical(Size s) {
        malloc(GLIBC_NON_CRITICAL, s.size);
    }

    /** glibc {@code calloc}/{@code free} as ordinary downcalls. */
    @Benchmark
    @Work(ZEROED_BLOCK)
    public void glibcCallocNonCritical(Size s) {
        calloc(GLIBC_NON_CRITICAL, s.size);
    }

    // ---- mimalloc ----------------------------------------------------------------------------------------------

    /** mimalloc {@code mi_malloc}/{@code mi_free}. */
    @Benchmark
    @Work(BLOCK)
    public void mimallocMalloc(Size s, MimallocLoaded loaded) {
        malloc(NativeMalloc.mimalloc(), s.size);
    }

    /** mimalloc {@code mi_calloc}/{@code mi_free}. */
    @Benchmark
    @Work(ZEROED_BLOCK)
    public void mimallocCalloc(Size s, MimallocLoaded loaded) {
        calloc(NativeMalloc.mimalloc(), s.size);
    }

    /** mimalloc {@code mi_zalloc}/{@code mi_free}. */
    @Benchmark
    @Work(ZEROED_BLOCK)
    public void mimallocZalloc(Size s, MimallocLoaded loaded) {
        NativeMalloc mimalloc = NativeMalloc.mimalloc();
        long address = mimalloc.zalloc(s.size);
        RawMemory.touch(address);
        mimalloc.free(address);
    }

    /** mimalloc {@code mi_malloc}, {@link MemorySegment#fill} with zeroes, {@code mi_free}. */
    @Benchmark
    @Work(ZEROED_BLOCK)
    public void mimallocMallocFill(Size s, MimallocLoaded loaded) {
        mallocFill(NativeMalloc.mimalloc(), s.size);
    }

    /** mimalloc {@code mi_malloc}/{@code mi_free} as ordinary downcalls. */
    @Benchmark
    @Work(BLOCK)
    public void mimallocMallocNonCritical(Size s, MimallocLoaded loaded) {
        malloc(NativeMalloc.mimalloc(Binding.NON_CRITICAL), s.size);
    }

    /** mimalloc {@code mi_calloc}/{@code mi_free} as ordinary downcalls. */
    @Benchmark
    @Work(ZEROED_BLOCK)
    public void mimallocCallocNonCritical(Size s, MimallocLoaded loaded) {
        calloc(NativeMalloc.mimalloc(Binding.NON_CRITICAL), s.size);
    }

    // ---- jemalloc: only under LD_PRELOAD=libjemalloc.so.2 ------------------------------------------------------

    /** jemalloc {@code malloc}/{@code free}. */
    @Benchmark
    @Work(BLOCK)
    public void jemallocMalloc(Size s, JemallocPreloaded preloaded) {
        malloc(NativeMalloc.jemallocPreloaded(), s.size);
    }

    /** jemalloc {@code calloc}/{@code free}. */
    @Benchmark
    @Work(ZEROED_BLOCK)
    public void jemallocCalloc(Size s, JemallocPreloaded preloaded) {
        calloc(NativeMalloc.jemallocPreloaded(), s.size);
    }

    /** jemalloc {@code malloc}, {@link MemorySegment#fill} with zeroes, {@code free}. */
    @Benchmark
    @Work(ZEROED_BLOCK)
    public void jemallocMallocFill(Size s, JemallocPreloaded preloaded) {
        mallocFill(NativeMalloc.jemallocPreloaded(), s.size);
    }

    /** jemalloc {@code malloc}/{@code free} as ordinary downcalls. */
    @Benchmark
    @Work(BLOCK)
    public void jemallocMallocNonCritical(Size s, JemallocPreloaded preloaded) {
        malloc(NativeMalloc.jemallocPreloaded(Binding.NON_CRITICAL), s.size);
    }

    /** jemalloc {@code calloc}/{@code free} as ordinary downcalls. */
    @Benchmark
    @Work(ZEROED_BLOCK)
    public void jemallocCallocNonCritical(Size s, JemallocPreloaded preloaded) {
        calloc(NativeMalloc.jemallocPreloaded(Binding.NON_CRITICAL), s.size);
    }

    // ---- Netty -------------------------------------------------------------------------------------------------

    /** Netty's {@code PooledByteBufAllocator}: {@code directBuffer(size)}, then {@code release()}. */
    @Benchmark
    @Work(POOLED_BUFFER)
    public void nettyPooled(Size s, Netty netty) {
        ByteBuf buffer = netty.pooled.directBuffer(s.size);
        buffer.setByte(0, 1);
        buffer.release();
    }

    /** Netty 4.2's {@code AdaptiveByteBufAllocator}: {@code directBuffer(size)}, then {@code release()}. */
    @Benchmark
    @Work(POOLED_BUFFER)
    public void nettyAdaptive(Size s, Netty netty) {
        ByteBuf buffer = netty.adaptive.directBuffer(s.size);
        buffer.setByte(0, 1);
        buffer.release();
    }

    // ---- one shape per native work, so every library runs the same code around its calls ----------------------

    private static void malloc(NativeMalloc allocator, int size) {
        long address = allocator.malloc(size);
        RawMemory.touch(address);
        allocator.free(address);
    }

    private static void calloc(NativeMalloc allocator, int size) {
        long address = allocator.calloc(size);
        RawMemory.touch(address);
        allocator.free(address);
    }

    private static void mallocFill(NativeMalloc allocator, int size) {
        long address = allocator.malloc(size);
        RawMemory.zero(address, size);
        RawMemory.touch(address);
        allocator.free(address);
    }
}
