package dev.offpool.benchmarks.workload;

import dev.offpool.benchmarks.workload.peers.Blocks;
import dev.offpool.benchmarks.workload.peers.Lifetime;

/**
 * Long-lived blocks freed one by one in random order: sessions and cache entries, pinned blocks, a burst's buffers.
 * Two dense stores: blocks this worker will free itself ({@link Lifetime#OWN_THREAD}) and the third it hands to the
 * releaser when they go ({@link Lifetime#ANY_THREAD}). Removing the block at a random position moves the store's
 * last block into its slot, so adding and evicting are O(1) and the slots stay dense.
 *
 * <p>Invariant: {@code own} holds blocks exactly in slots {@code [0, ownCount)}, {@code any} in {@code [0,
 * anyCount)}, and {@code bytes} is the sum of their sizes.
 */
final class Store {
    private final Blocks own;
    private final Blocks any;
    private int ownCount;
    private int anyCount;
    private long bytes;

    /**
     * @param capacity the most blocks it holds; a third of them (at least one) may be of the kind freed elsewhere
     */
    Store(Worker worker, int capacity) {
        own = worker.peer().newBlocks(capacity, Lifetime.OWN_THREAD);
        any = worker.peer().newBlocks(Math.max(1, capacity / 3 + capacity / 16), Lifetime.ANY_THREAD);
    }

    /** {@return the sum of the sizes of the blocks held} */
    long bytes() {
        return bytes;
    }

    /** {@return the number of blocks held} */
    int count() {
        return ownCount + anyCount;
    }

    /**
     * Allocates a block of {@code byteSize}; a third of the time it is one the releaser will free. When the chosen
     * kind is full, a random block of that kind is evicted first.
     */
    void add(Worker worker, int byteSize) {
        if (worker.freedElsewhere()) {
            if (anyCount == any.capacity()) {
                evictAny(worker, worker.random().nextInt(anyCount));
            }
            worker.allocate(any, anyCount++, byteSize);
        } else {
            if (ownCount == own.capacity()) {
                evictOwn(worker, worker.random().nextInt(ownCount));
            }
            worker.allocate(own, ownCount++, byteSize);
        }
        bytes += byteSize;
    }

    /** Evicts one block chosen uniformly at random: freed here, or handed to the releaser if it is of that kind. */
    void evictRandom(Worker worker) {
        int position = worker.random().nextInt(ownCount + anyCount);
        if (position < ownCount) {
            evictOwn(worker, position);
        } else {
            evictAny(worker, position - ownCount);
        }
    }

    /** Evicts random blocks until at most {@code maxBytes} are held. */
    void evictDownTo(Worker worker, long maxBytes) {
        while (bytes > maxBytes && count() > 0) {
            evictRandom(worker);
        }
    }

    /** Frees every block on this thread (at the end of a run, when the releaser's work is not what is measured). */
    void clear(Worker worker) {
        bytes -= own.bytesHeld() + any.bytesHeld();
        worker.freeAll(own);
        worker.freeAll(any);
        ownCount = 0;
        anyCount = 0;
    }

    /** {@return the sum of the sizes of the blocks held, by walking the slots} For checks. */
    long bytesHeld() {
        return own.bytesHeld() + any.bytesHeld();
    }

    private void evictOwn(Worker worker, int slot) {
        bytes -= own.size(slot);
        worker.free(own, slot);
        int last = --ownCount;
        if (slot != last) {
            own.moveTo(last, own, slot);
        }
    }

    private void evictAny(Worker worker, int slot) {
        bytes -= any.size(slot);
        worker.handOff(any, slot);
        int last = --anyCount;
        if (slot != last) {
            any.moveTo(last, any, slot);
        }
    }
}
