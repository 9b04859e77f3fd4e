package dev.offpool.internal;

import java.lang.ref.WeakReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One thread's (or one virtual-thread stripe's) stacks of free blocks, a stack per size class.
 *
 * <p>The owner pops and pushes with plain array accesses: no lock, no CAS. When a stack runs dry it takes half a
 * stack's worth from the central heap in one locked batch; when it overflows it gives half back. Capacities are set
 * so the whole cache never holds more than {@code HeapConfig.threadCacheBytes()}.
 *
 * <p>Ownership: a platform thread's cache is touched only by that thread, except after the thread has died, when
 * {@link ThreadCaches} drains it. A stripe cache is shared by virtual threads and every access holds {@link #lock}.
 */
final class ThreadCache {
    /** Free block addresses per class; {@code blocks[c][0..counts[c])} are valid. */
    final long[][] blocks;
    final int[] counts;
    /** The thread owning the cache, or null for a virtual-thread stripe. */
    final WeakReference<Thread> owner;
    /** Guards a stripe cache; null for a platform thread's. */
    final ReentrantLock lock;
    /** The pool this cache carves from, per class; read and written only under that class's lock in the heap. */
    final Pool[] activePools;
    /** When the owner last handed half of its cache back. */
    long lastTrimNanos;

    ThreadCache(int[] capacities, Thread owner) {
        this.blocks = new long[capacities.length][];
        for (int c = 0; c < capacities.length; c++) {
            blocks[c] = new long[capacities[c]];
        }
        this.counts = new int[capacities.length];
        this.activePools = new Pool[capacities.length];
        this.owner = owner == null ? null : new WeakReference<>(owner);
        this.lock = owner == null ? new ReentrantLock() : null;
        this.lastTrimNanos = System.nanoTime();
    }

    /** {@return a cached block of {@code sizeClass}, or 0 if there is none} Fast path. */
    long pop(int sizeClass) {
        int n = counts[sizeClass];
        if (n == 0) {
            return 0;
        }
        counts[sizeClass] = --n;
        return blocks[sizeClass][n];
    }

    /** Caches {@code block}; {@return false if the stack for {@code sizeClass} is full} Fast path. */
    boolean push(int sizeClass, long block) {
        long[] stack = blocks[sizeClass];
        int n = counts[sizeClass];
        if (n == stack.length) {
            return false;
        }
        stack[n] = block;
        counts[sizeClass] = n + 1;
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
