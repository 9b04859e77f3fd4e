package dev.offpool.benchmarks.workload;

import dev.offpool.benchmarks.workload.peers.Blocks;
import dev.offpool.benchmarks.workload.peers.Lifetime;

/**
 * Blocks that live until one piece of work ends, a request or a wave: two thirds are freed together by the worker
 * at the end ({@link Lifetime#REQUEST}), one third go to the releaser, which frees them on its thread (a response
 * that an I/O thread writes and releases).
 */
final class Batch {
    private final Blocks local;
    private final Blocks outgoing;
    private int localCount;
    private int outgoingCount;

    /** @param capacity the most blocks one piece of work allocates */
    Batch(Worker worker, int capacity) {
        local = worker.peer().newBlocks(capacity, Lifetime.REQUEST);
        outgoing = worker.peer().newBlocks(capacity, Lifetime.ANY_THREAD);
    }

    /**
     * Allocates a block of {@code byteSize} for this piece of work.
     *
     * @throws IllegalStateException if the batch already holds {@code capacity} blocks of the chosen kind
     */
    void allocate(Worker worker, int byteSize) {
        if (worker.freedElsewhere()) {
            worker.allocate(outgoing, outgoingCount++, byteSize);
        } else {
            worker.allocate(local, localCount++, byteSize);
        }
    }

    /** {@return the bytes held now} Walks the slots: for checks. */
    long bytesHeld() {
        return local.bytesHeld() + outgoing.bytesHeld();
    }

    /** Ends the piece of work: frees the local blocks together, hands the others to the releaser. */
    void end(Worker worker) {
        if (localCount > 0) {
            worker.freeAll(local);
            localCount = 0;
        }
        for (int slot = 0; slot < outgoingCount; slot++) {
            worker.handOff(outgoing, slot);
        }
        outgoingCount = 0;
    }
}
