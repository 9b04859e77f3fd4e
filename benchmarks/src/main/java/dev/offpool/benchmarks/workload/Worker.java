package dev.offpool.benchmarks.workload;

import dev.offpool.benchmarks.workload.peers.Blocks;
import dev.offpool.benchmarks.workload.peers.Peer;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.SplittableRandom;

/**
 * One worker thread's view of the run: the peer, its random numbers, its {@link Tally}, its latency recorder and its
 * {@link Handoff} to the releaser. Every allocation, free and hand-over of a workload goes through here, so that all
 * workloads count and time them the same way.
 *
 * <h2>Latency</h2>
 * One allocation in {@code latencyEvery} is timed, with {@link System#nanoTime()} just around the peer's allocate
 * call (which zeroes; the page writes of {@link Blocks#touch} come after), and recorded in an HdrHistogram
 * {@link SingleWriterRecorder} that the sampler reads interval by interval. Sampling by count, not by time, keeps
 * the timer's own cost (two {@code nanoTime} calls, about 40 ns) off most allocations without biasing the sizes
 * timed.
 */
final class Worker {
    /** Latencies above this are recorded as this: a minute, far above any allocation the study can meet. */
    static final long MAX_RECORDED_NANOS = 60_000_000_000L;
    /** Significant digits of the latency histograms. */
    static final int HISTOGRAM_DIGITS = 3;

    private final int index;
    private final Peer peer;
    private final SplittableRandom random;
    private final Tally tally = new Tally();
    private final SingleWriterRecorder latency = new SingleWriterRecorder(1, MAX_RECORDED_NANOS, HISTOGRAM_DIGITS);
    private final Handoff handoff;
    private final int latencyEvery;
    private int untilTimed;

    /**
     * @param index        the worker's number, from 0
     * @param peer         the allocator
     * @param seed         the run's seed; this worker's random numbers come from it and {@code index}
     * @param latencyEvery time one allocation in this many
     * @param handoff      this worker's ring to the releaser
     */
    Worker(int index, Peer peer, long seed, int latencyEvery, Handoff handoff) {
        this.index = index;
        this.peer = peer;
        this.random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        this.latencyEvery = latencyEvery;
        this.untilTimed = 1 + random.nextInt(latencyEvery);
        this.handoff = handoff;
    }

    int index() {
        return index;
    }

    Peer peer() {
        return peer;
    }

    SplittableRandom random() {
        return random;
    }

    Tally tally() {
        return tally;
    }

    SingleWriterRecorder latency() {
        return latency;
    }

    /** {@return true for a third of the blocks: those that another thread will free} */
    boolean freedElsewhere() {
        return random.nextInt(3) == 0;
    }

    /** Allocates a block of {@code byteSize} into {@code blocks}' empty {@code slot}, counts it and touches it. */
    void allocate(Blocks blocks, int slot, int byteSize) {
        if (--untilTimed == 0) {
            untilTimed = latencyEvery;
            long start = System.nanoTime();
            blocks.allocate(slot, byteSize);
            long nanos = System.nanoTime() - start;
            latency.recordValue(Math.min(nanos, MAX_RECORDED_NANOS));
        } else {
            blocks.allocate(slot, byteSize);
        }
        tally.allocated(byteSize);
        blocks.touch(slot);
    }

    /** Frees the block in {@code blocks}' {@code slot} on this thread, and counts it. */
    void free(Blocks blocks, int slot) {
        tally.freed(1, blocks.free(slot));
    }

    /** Frees every block of {@code blocks} on this thread, and counts them. */
    void freeAll(Blocks blocks) {
        long bytes = blocks.bytesHeld();
        tally.freed(blocks.freeAll(), bytes);
    }

    /** Hands the block in {@code blocks}' {@code slot} to the releaser, which frees (and counts) it. */
    void handOff(Blocks blocks, int slot) {
        handoff.put(blocks, slot);
    }
}
