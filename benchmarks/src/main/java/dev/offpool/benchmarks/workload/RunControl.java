package dev.offpool.benchmarks.workload;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * What the coordinating thread and the workers share during a run: whether it still runs, and the phase it is in
 * (as the samples label it). Workers poll {@link #running()} once per piece of work, and {@link #phase()} where their
 * workload has phases.
 */
final class RunControl {
    private final long startNanos = System.nanoTime();
    private volatile boolean running = true;
    private volatile String phase;

    RunControl(String firstPhase) {
        this.phase = firstPhase;
    }

    boolean running() {
        return running;
    }

    void stop() {
        running = false;
    }

    String phase() {
        return phase;
    }

    void phase(String name) {
        phase = name;
    }

    /** {@return nanoseconds since the run started} */
    long elapsedNanos() {
        return System.nanoTime() - startNanos;
    }

    /** Sleeps for {@code time}, or until the run stops (a worker failed). */
    void sleep(Duration time) {
        long deadline = System.nanoTime() + time.toNanos();
        long left;
        while (running && (left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(Math.min(left, 10_000_000L));
        }
    }
}
