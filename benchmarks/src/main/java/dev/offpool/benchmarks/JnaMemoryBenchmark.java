package dev.offpool.benchmarks;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.offpool.OffPool;
import dev.offpool.benchmarks.report.Versus;
import dev.offpool.nativebridge.PooledMemory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What does a JNA {@code Memory} cost to allocate and close, pooled against JNA's own? Target: pooled at least 5x
 * faster at every size.
 *
 * <p>{@code new Memory(n)} pays a {@code malloc} (a JNI call), an entry in JNA's map of live memories, a cleaner
 * registration, and on {@code close()} the cleaner's run, the {@code free} and the map removal. The pooled one pays
 * a pool allocation with its zeroing and a registration with offpool's lock-free reclaimer (so an unclosed one still
 * goes back), and on {@code close()} one compare-and-set, the registration's removal and a pool free. Neither touches
 * the memory: what the work on it costs is the same for both and would only dilute the difference.
 *
 * <p>{@code offpoolRawFloor} is the pool's allocate and free alone, the floor under {@code offpoolMemory}: the
 * target needs {@code offpoolMemory} at a fifth of {@code jnaMemory}, so the floor must be well under that.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class JnaMemoryBenchmark {
    private static final OffPool POOL = OffPool.global();

    /** Bytes per allocation, the same for both. */
    @Param({"16", "64", "256", "1024", "4096"})
    public long size;

    @Benchmark
    public long offpoolMemory() {
        PooledMemory memory = PooledMemory.allocate(size);
        long address = Pointer.nativeValue(memory);
        memory.close();
        return address;
    }

    /**
     * The floor under {@link #offpoolMemory()}: the pool's own allocate and free of the same size, with no
     * {@code Memory} object, registration or lease state.
     */
    @Benchmark
    public long offpoolRawFloor() {
        long address = POOL.allocateAddress(size);
        POOL.freeAddress(address);
        return address;
    }

    @Benchmark
    @Versus("offpoolMemory")
    public long jnaMemory() {
        Memory memory = new Memory(size);
        long address = Pointer.nativeValue(memory);
        memory.close();
        return address;
    }
}
