package dev.offpool.internal.pool;

import java.lang.ref.WeakReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One thread's (or one virtual-thread stripe's) stacks of free blocks, a stack per size class, under one byte
 * budget.
 *
 * <p>The owner pops and pushes with plain array accesses: no lock, no CAS. Entries are block addresses, bit 0 set
 * when the block is known to read as zero ({@link PoolHeap#KNOWN_ZERO}). A class's stack is made on its first use,
 * so a thread that allocates two sizes pays for two stacks.
 *
 * <p>The budget is exact: {@link #cachedBytes} never exceeds {@link #budgetBytes}; a push that would pass it makes
 * the owner hand half of every stack back first ({@link ThreadCaches}). Per-class capacities only bound how many
 * blocks of one class move per batch.
 *
 * <p>Ownership: a platform thread's cache is touched only by that thread, except after the thread has died, when
 * {@link ThreadCaches} drains it. A stripe cache is shared by virtual threads and every access holds {@link #lock}.
 */
final class ThreadCache {
    /** Free block entries per class; {@code blocks[c][0..counts[c])} are valid; null until the class is used. */
    final long[][] blocks;
    final int[] counts;
    /** Bytes of blocks cached now, over every class. */
    long cachedBytes;
    /** The most bytes this cache may hold. */
    final long budgetBytes;
    /** The thread owning the cache, or null for a virtual-thread stripe. */
    final WeakReference<Thread> owner;
    /** Guards a stripe cache; null for a platform thread's. */
    final ReentrantLock lock;
    /** The pool this cache carves from, per class; read and written only under that class's lock in its heap. */
    final Pool[] activePools;
    /** When the owner last handed half of its cache back. */
    long lastTrimNanos;

    ThreadCache(int classCount, long budgetBytes, Thread owner) {
        this.blocks = new long[classCount][];
        this.counts = new int[classCount];
        this.budgetBytes = budgetBytes;
        this.activePools = new Pool[classCount];
        this.owner = owner == null ? null : new WeakReference<>(owner);
        this.lock = owner == null ? new ReentrantLock() : null;
        this.lastTrimNanos = System.nanoTime();
    }

    /** {@return a cached entry of {@code sizeClass}, or 0 if there is none} Fast path. */
    long pop(int sizeClass, int blockSize) {
        int n = counts[sizeClass];
        if (n == 0) {
            return 0;
        }
        counts[sizeClass] = --n;
        cachedBytes -= blockSize;
        return blocks[sizeClass][n];
    }

    /** Caches {@code entry}; {@return false if its stack is full (or unmade) or the budget would pass} Fast path. */
    boolean push(int sizeClass, int blockSize, long entry) {
        long[] stack = blocks[sizeClass];
        int n = counts[sizeClass];
        if (stack == null || n == stack.length || cachedBytes + blockSize > budgetBytes) {
            return false;
        }
        stack[n] = entry;
        counts[sizeClass] = n + 1;
        cachedBytes += blockSize;
        return true;
    }

    /** {@return true if the owner is gone, so anyone may drain the cache} */
    boolean orphaned() {
        if (owner == null) {
            return false;
        }
        Thread t = owner.get();
        return t == null || !t.isAlive();
    }
}
