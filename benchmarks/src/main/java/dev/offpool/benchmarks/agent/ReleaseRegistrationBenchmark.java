package dev.offpool.benchmarks.agent;

import dev.offpool.benchmarks.report.Versus;
import dev.offpool.benchmarks.report.Work;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.ref.Cleaner;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.concurrent.TimeUnit;

/**
 * Which way should the agent learn that a redirected buffer died: {@link Cleaner#register} (what the JDK's own
 * {@code Arena.ofAuto()} uses) or its own {@link PhantomReference} on a queue it drains? One operation registers a
 * fresh object for release and then releases it explicitly, the agent's explicit-free path; on 1 and 2 threads,
 * because the cleaner's list is shared under a lock.
 *
 * <p>Both sides also need the agent's table of live blocks (the explicit free must find a record from a buffer's
 * address, with either mechanism), so the table is left out: this measures only the difference. The phantom side is
 * what the agent does ({@code offpoolPhantom_*}, as in {@code Redirector}: construct, later {@code clear()}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class ReleaseRegistrationBenchmark {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
    private static final String REGISTER_AND_RELEASE = "register, release explicitly";

    /** What both mechanisms keep per block: its address. */
    private record Release(long address) implements Runnable {
        @Override
        public void run() {
            // Freeing the block is the same work on both sides and not what is measured.
        }
    }

    private static final class BlockReference extends PhantomReference<Object> {
        @SuppressWarnings("unused") // kept per block, as the agent's record keeps it
        private final long address;

        BlockReference(Object referent, long address) {
            super(referent, QUEUE);
            this.address = address;
        }
    }

    /** A stand-in block address per operation. */
    @State(Scope.Thread)
    public static class Addresses {
        private long next = 1 << 20;

        long next() {
            return next += 16;
        }
    }

    /** Cleaner: register, then clean explicitly (unlinks under the cleaner's lock, runs the action once). */
    @Benchmark
    @Versus("offpoolPhantom")
    @Work(REGISTER_AND_RELEASE)
    public Object cleaner_1thread(Addresses addresses) {
        return cleanerRegisterAndClean(addresses.next());
    }

    /** The same on two threads sharing the one cleaner. */
    @Benchmark
    @Threads(2)
    @Versus("offpoolPhantom")
    @Work(REGISTER_AND_RELEASE)
    public Object cleaner_2threads(Addresses addresses) {
        return cleanerRegisterAndClean(addresses.next());
    }

    /** The agent's way: a phantom reference, cleared on explicit free so it is never enqueued. */
    @Benchmark
    @Work(REGISTER_AND_RELEASE)
    public Object offpoolPhantom_1thread(Addresses addresses) {
        return phantomRegisterAndClear(addresses.next());
    }

    /** The same on two threads. */
    @Benchmark
    @Threads(2)
    @Work(REGISTER_AND_RELEASE)
    public Object offpoolPhantom_2threads(Addresses addresses) {
        return phantomRegisterAndClear(addresses.next());
    }

    private static Object cleanerRegisterAndClean(long address) {
        Object buffer = new Object();
        Cleaner.Cleanable cleanable = CLEANER.register(buffer, new Release(address));
        cleanable.clean();
        return cleanable;
    }

    private static Object phantomRegisterAndClear(long address) {
        Object buffer = new Object();
        BlockReference reference = new BlockReference(buffer, address);
        reference.clear();
        return reference;
    }
}
