package dev.offpool.benchmarks;

import dev.offpool.OffPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * What do the two safety rules cost: "no segment crashes the JVM" and "two racing frees have one winner"?
 *
 * <ul>
 *   <li>The no-crash rule binds every segment to the shared scope of its chunk, closed before the chunk is unmapped.
 *   On the fast path that costs the scope check of each access: {@code accessChunkScope} (8 long writes and reads
 *   through an offpool segment) against {@code accessGlobalScope} (the same through a global-scope segment over the
 *   same block, what offpool handed out before). On the release path it costs closing a shared scope, a handshake
 *   with every thread: {@code sharedScopeOpenClose} against {@code confinedScopeOpenClose}, and a whole huge block
 *   (mmap, scope, munmap) in {@code hugeAllocateFree}.</li>
 *   <li>The one-winner rule makes every free one compare-and-set on the block's state byte, where allocate marks it
 *   with a plain store: {@code stateByteCas} against {@code stateBytePlainStore} is that CAS's price in isolation.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class SafetyCostBenchmark {
    private static final OffPool POOL = OffPool.global();
    private static final VarHandle STATE = MethodHandles.arrayElementVarHandle(byte[].class);

    private MemorySegment chunkScoped;
    private MemorySegment globalScoped;
    private final byte[] states = new byte[256];

    /** One 64-byte block, seen through both kinds of segment. */
    @Setup(Level.Trial)
    public void allocate() {
        chunkScoped = POOL.allocate(64);
        globalScoped = MemorySegment.ofAddress(chunkScoped.address()).reinterpret(64);
    }

    /** Gives the block back. */
    @TearDown(Level.Trial)
    public void free() {
        POOL.free(chunkScoped);
    }

    private static long access(MemorySegment segment) {
        long sum = 0;
        for (long i = 0; i < 64; i += 8) {
            segment.set(ValueLayout.JAVA_LONG, i, i);
            sum += segment.get(ValueLayout.JAVA_LONG, i);
        }
        return sum;
    }

    /** Eight writes and reads through a segment of the block's chunk scope (what offpool hands out). */
    @Benchmark
    public long accessChunkScope() {
        return access(chunkScoped);
    }

    /** The same through a global-scope segment over the same block (no liveness check). */
    @Benchmark
    public long accessGlobalScope() {
        return access(globalScoped);
    }

    /** Opening and closing a shared scope: what each chunk release now adds (a handshake with every thread). */
    @Benchmark
    public void sharedScopeOpenClose() {
        Arena.ofShared().close();
    }

    /** Opening and closing a confined scope, for comparison. */
    @Benchmark
    public void confinedScopeOpenClose() {
        Arena.ofConfined().close();
    }

    /** A huge block: its own mapping, scope and release, the whole release path at once. */
    @Benchmark
    public void hugeAllocateFree() {
        POOL.free(POOL.allocate(2 << 20));
    }

    /** The compare-and-set every free makes on a block's state byte. */
    @Benchmark
    public boolean stateByteCas() {
        return STATE.compareAndSet(states, 17, (byte) 0, (byte) 0);
    }

    /** A plain store to a state byte, what allocate does and what a free without race-proofing would do. */
    @Benchmark
    public void stateBytePlainStore() {
        states[17] = 1;
    }
}
