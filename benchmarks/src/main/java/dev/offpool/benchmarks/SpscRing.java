package dev.offpool.benchmarks;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded lock-free queue for exactly one producer thread and one consumer thread, carrying either addresses
 * ({@code long}, never 0) or references. It is the hand-off in {@link ProducerConsumerBenchmark}: a few plain loads
 * and stores and one release store per side, the same for every allocator, so the benchmark measures the allocators.
 *
 * <p>Layout: head and tail live in one {@code long[]}, 128 bytes apart and away from the array's header, so producer
 * and consumer never write the same cache line (or adjacent-line pair) except for the slots they hand over. Each side
 * keeps a cached copy of the other's index next to its own and re-reads the other's (acquire) only when the cached
 * copy says full or empty.
 *
 * <p>Invariant: {@code head <= tail <= head + capacity}; slots {@code [head, tail)} (mod capacity) hold entries.
 */
final class SpscRing {
    private static final VarHandle INDEX = MethodHandles.arrayElementVarHandle(long[].class);
    /** Consumer's line: its head (published), then its cached copy of tail (private). */
    private static final int HEAD = 8;
    private static final int CACHED_TAIL = HEAD + 1;
    /** Producer's line: its tail (published), then its cached copy of head (private). */
    private static final int TAIL = 24;
    private static final int CACHED_HEAD = TAIL + 1;
    private static final int INDEX_SLOTS = 40;

    private final long[] indices = new long[INDEX_SLOTS];
    private final long[] words;
    private final Object[] refs;
    private final int mask;

    /** @param capacity a power of two */
    SpscRing(int capacity) {
        if (capacity <= 0 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, was " + capacity);
        }
        words = new long[capacity];
        refs = new Object[capacity];
        mask = capacity - 1;
    }

    /** Producer only: {@return true if {@code address} (not 0) was queued, false if the ring is full} */
    boolean offer(long address) {
        long tail = freeSlot();
        if (tail < 0) {
            return false;
        }
        words[(int) tail & mask] = address;
        INDEX.setRelease(indices, TAIL, tail + 1);
        return true;
    }

    /** Producer only: {@return true if {@code ref} (not null) was queued, false if the ring is full} */
    boolean offer(Object ref) {
        long tail = freeSlot();
        if (tail < 0) {
            return false;
        }
        refs[(int) tail & mask] = ref;
        INDEX.setRelease(indices, TAIL, tail + 1);
        return true;
    }

    /** Consumer only: {@return the oldest address, or 0 if the ring is empty} */
    long pollAddress() {
        long head = filledSlot();
        if (head < 0) {
            return 0;
        }
        long address = words[(int) head & mask];
        INDEX.setRelease(indices, HEAD, head + 1);
        return address;
    }

    /** Consumer only: {@return the oldest reference, or null if the ring is empty} */
    Object pollRef() {
        long head = filledSlot();
        if (head < 0) {
            return null;
        }
        int slot = (int) head & mask;
        Object ref = refs[slot];
        refs[slot] = null;
        INDEX.setRelease(indices, HEAD, head + 1);
        return ref;
    }

    /** {@return the tail if a slot is free, else -1} */
    private long freeSlot() {
        long tail = indices[TAIL];
        if (tail - indices[CACHED_HEAD] > mask) {
            long head = (long) INDEX.getAcquire(indices, HEAD);
            indices[CACHED_HEAD] = head;
            if (tail - head > mask) {
                return -1;
            }
        }
        return tail;
    }

    /** {@return the head if a slot is filled, else -1} */
    private long filledSlot() {
        long head = indices[HEAD];
        if (head == indices[CACHED_TAIL]) {
            long tail = (long) INDEX.getAcquire(indices, TAIL);
            indices[CACHED_TAIL] = tail;
            if (head == tail) {
                return -1;
            }
        }
        return head;
    }
}
