package dev.offpool.benchmarks;

import dev.offpool.OffPool;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
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

import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * What does JFR support cost the allocation fast path? The one hook on it ({@code AllocationSampler.sample}) calls
 * through a {@code MutableCallSite} that is an empty method handle unless a recording runs; this class measures the
 * 64-byte allocate + free pair in four states of the JVM, each in forks of its own:
 * <ul>
 *   <li>{@code off}: {@code -Doffpool.jfr=false}, no JFR class touched by offpool;</li>
 *   <li>{@code noRecording}: JFR support on (the default), no recording ever made: the shipped configuration of an
 *   application nobody profiles;</li>
 *   <li>{@code recordingSampleOff}: a recording with the shipped {@code offpool.jfc} runs, the allocation sample
 *   off (its default): each allocation asks JFR whether the event is on;</li>
 *   <li>{@code recordingSampleOn}: the same with {@code offpool.AllocationSample} on, throttled to 100 per second.</li>
 * </ul>
 * The first two should be equal within noise; the third costs JFR's enabled check.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class JfrOverheadBenchmark {
    @Param({"off", "noRecording", "recordingSampleOff", "recordingSampleOn"})
    public String jfr;

    private OffPool pool;
    private Recording recording;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        if (jfr.equals("off")) {
            System.setProperty("offpool.jfr", "false"); // read when the first allocator is built, just below
        }
        pool = OffPool.builder().build();
        if (jfr.startsWith("recording")) {
            try (InputStream in = OffPool.class.getClassLoader().getResourceAsStream("dev/offpool/jfr/offpool.jfc");
                 Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                recording = new Recording(Configuration.create(reader));
            }
            if (jfr.equals("recordingSampleOn")) {
                recording.enable("offpool.AllocationSample");
            }
            recording.setToDisk(false);
            recording.start();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (recording != null) {
            recording.close();
        }
        pool.close();
    }

    /** The raw path: allocateAddress(64) + freeAddress. */
    @Benchmark
    public long raw() {
        long address = pool.allocateAddress(64);
        pool.freeAddress(address);
        return address;
    }

    /** The segment path: allocate(64) + free. */
    @Benchmark
    public long segment() {
        MemorySegment segment = pool.allocate(64);
        pool.free(segment);
        return segment.address();
    }
}
