package dev.offpool.benchmarks.workload;

import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The other thread that frees a third of the workers' blocks, as an I/O thread frees the response buffers that
 * request threads filled: it drains every worker's {@link Handoff} in turn. When all are empty it parks for
 * {@value #IDLE_PARK_NANOS} ns instead of spinning, so that on a machine with few cores it does not take a core from
 * the workers.
 */
final class Releaser extends Thread {
    private static final long IDLE_PARK_NANOS = 50_000;

    private final List<Handoff> handoffs;
    private final Tally tally = new Tally();
    private volatile boolean stopping;

    Releaser(List<Handoff> handoffs) {
        super("workload-releaser");
        this.handoffs = List.copyOf(handoffs);
        setDaemon(true);
    }

    Tally tally() {
        return tally;
    }

    @Override
    public void run() {
        while (true) {
            boolean stop = stopping;
            int freed = 0;
            for (Handoff handoff : handoffs) {
                freed += handoff.drain(tally);
            }
            if (freed == 0) {
                if (stop) {
                    return;
                }
                LockSupport.parkNanos(IDLE_PARK_NANOS);
            }
        }
    }

    /** {@return whether every hand-off ring is empty} */
    boolean idle() {
        return handoffs.stream().allMatch(Handoff::isEmpty);
    }

    /** Drains what is left, then ends; call once no worker puts any more, and join. */
    void finish() {
        stopping = true;
    }
}
