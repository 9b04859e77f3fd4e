package dev.offpool.benchmarks.workload;

import dev.offpool.benchmarks.workload.peers.Blocks;
import dev.offpool.benchmarks.workload.peers.Lifetime;
import dev.offpool.benchmarks.workload.peers.Peer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The way one worker's blocks reach the {@link Releaser} that frees them on another thread: a bounded ring for one
 * producer and one consumer, whose slots are a {@link Blocks} store of the peer ({@link Lifetime#ANY_THREAD}), so a
 * block moves in without being boxed or freed. The producer writes a slot, then publishes its tail with a release
 * store; the consumer reads the tail with an acquire load before it frees the slots up to it, then publishes its
 * head. When the ring is full the producer waits for the consumer: the workload slows down rather than drop a block.
 *
 * <p>Invariant: {@code head <= tail <= head + capacity}; slots {@code [head, tail)} (mod capacity) hold blocks.
 */
final class Handoff {
    private static final VarHandle INDEX = MethodHandles.arrayElementVarHandle(long[].class);
    // head and tail 128 bytes apart, away from the array header: the two sides never write one cache line.
    private static final int HEAD = 8;
    private static final int TAIL = 24;
    private static final int INDEX_SLOTS = 40;

    private final long[] indices = new long[INDEX_SLOTS];
    private final Blocks ring;
    private final int mask;

    /**
     * @param peer     the peer whose blocks travel
     * @param capacity a power of two
     */
    Handoff(Peer peer, int capacity) {
        if (capacity <= 0 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, was " + capacity);
        }
        ring = peer.newBlocks(capacity, Lifetime.ANY_THREAD);
        mask = capacity - 1;
    }

    /** Producer only: moves the block in {@code from}'s {@code slot} into the ring, waiting while it is full. */
    void put(Blocks from, int slot) {
        long tail = indices[TAIL];
        while (tail - (long) INDEX.getAcquire(indices, HEAD) == ring.capacity()) {
            Thread.onSpinWait();
            Thread.yield();
        }
        from.moveTo(slot, ring, (int) tail & mask);
        INDEX.setRelease(indices, TAIL, tail + 1);
    }

    /**
     * Consumer only: frees every block published so far, counting them in {@code tally}.
     *
     * @return the number of blocks freed
     */
    int drain(Tally tally) {
        long head = indices[HEAD];
        long tail = (long) INDEX.getAcquire(indices, TAIL);
        if (head == tail) {
            return 0;
        }
        long bytes = 0;
        for (long i = head; i < tail; i++) {
            bytes += ring.free((int) i & mask);
        }
        INDEX.setRelease(indices, HEAD, tail);
        tally.freed(tail - head, bytes);
        return (int) (tail - head);
    }

    /** {@return whether no block waits in the ring} Exact only when the producer is not putting. */
    boolean isEmpty() {
        return (long) INDEX.getAcquire(indices, HEAD) == (long) INDEX.getAcquire(indices, TAIL);
    }
}
