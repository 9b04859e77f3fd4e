package dev.offpool.benchmarks;

import dev.offpool.OffPool;
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

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * What checked mode costs beside the default mode: one allocate + free on the raw and on the segment path, for an
 * allocator built with each {@code mode}:
 * <ul>
 *   <li>{@code default}: no guards, no fills, no quarantine;</li>
 *   <li>{@code scrubOnFree}: the default plus a zero fill of every freed block;</li>
 *   <li>{@code checked}: guard bytes before and after every block, fills on allocate and free, the guards checked on
 *   free, a segment of its own scope per block (closed by its free, so a use after free throws at the access), and
 *   the quarantine;</li>
 *   <li>{@code checkedStacks}: checked mode recording the allocating and freeing stack traces.</li>
 * </ul>
 * The sizes are a small class (64 B) and a medium one (4 KiB), where the fills weigh more.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class CheckedModeBenchmark {
    /** How the allocator is built. */
    @Param({"default", "scrubOnFree", "checked", "checkedStacks"})
    public String mode;

    /** The request in bytes. */
    @Param({"64", "4096"})
    public int size;

    private OffPool pool;

    /** Builds the allocator of {@link #mode}. */
    @Setup(Level.Trial)
    public void build() {
        OffPool.Builder builder = OffPool.builder();
        pool = switch (mode) {
            case "default" -> builder.build();
            case "scrubOnFree" -> builder.scrubOnFree(true).build();
            case "checked" -> builder.checked(true).build();
            case "checkedStacks" -> builder.checked(true).recordStackTraces(true).build();
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
    }

    /** Closes it. */
    @TearDown(Level.Trial)
    public void close() {
        pool.close();
    }

    /** The raw path: {@code allocateAddress} (zeroed) and {@code freeAddress}. */
    @Benchmark
    public long raw() {
        long address = pool.allocateAddress(size);
        pool.freeAddress(address);
        return address;
    }

    /** The segment path: {@code allocate} and {@code free}. */
    @Benchmark
    public long segment() {
        MemorySegment segment = pool.allocate(size);
        pool.free(segment);
        return segment.address();
    }
}
