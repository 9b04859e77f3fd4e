package dev.offpool.internal;

import dev.offpool.OutOfPoolMemoryException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The per-thread tier in front of a {@link SmallHeap}: finds the calling thread's cache and moves blocks between
 * caches and the heap in batches.
 *
 * <p>Bounds, as the design asks:
 * <ul>
 *   <li>each cache holds at most {@code threadCacheBytes} (stack capacity per class is that budget split evenly
 *   across classes, between 4 and 512 blocks);</li>
 *   <li>platform threads get one cache each through a {@link ThreadLocal}; a dead thread's cache is drained back to
 *   the heap by whoever next sweeps (slow paths, stats, verify, trim), found through a registry holding only a
 *   weak reference to the thread;</li>
 *   <li>virtual threads share {@code virtualThreadStripes} locked caches chosen by thread id, so a million of them
 *   make no more caches than that;</li>
 *   <li>an owner whose cache has gone {@code cacheTrimIntervalNanos} without a trim hands half of every stack back on
 *   its next slow path; stripes are trimmed by any sweep since they are locked.</li>
 * </ul>
 * An idle platform thread that never calls the allocator again keeps its (bounded) cache until it dies; nothing can
 * take it safely without putting a lock on the owner's fast path.
 */
public final class ThreadCaches {
    private static final int MIN_STACK = 4;
    private static final int MAX_STACK = 512;
    private static final long SWEEP_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final SmallHeap heap;
    private final int[] capacities;
    private final long trimIntervalNanos;
    private final ThreadLocal<ThreadCache> local = ThreadLocal.withInitial(this::register);
    private final ThreadCache[] stripes;
    private final List<ThreadCache> platformCaches = new ArrayList<>();
    private volatile long nextSweepNanos;

    /**
     * @param heap   the heap behind the caches
     * @param config validated constants
     */
    public ThreadCaches(SmallHeap heap, HeapConfig config) {
        this.heap = heap;
        SizeClasses classes = heap.classes();
        this.capacities = new int[classes.count()];
        long perClass = config.threadCacheBytes() / classes.count();
        for (int c = 0; c < capacities.length; c++) {
            long blocks = perClass / classes.blockSize(c);
            capacities[c] = (int) Math.max(config.threadCacheBytes() == 0 ? 0 : MIN_STACK, Math.min(MAX_STACK,
                    blocks));
        }
        this.trimIntervalNanos = config.cacheTrimIntervalNanos();
        this.stripes = new ThreadCache[config.virtualThreadStripes()];
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ThreadCache(capacities, null);
        }
        this.nextSweepNanos = System.nanoTime() + SWEEP_INTERVAL_NANOS;
    }

    private ThreadCache register() {
        ThreadCache cache = new ThreadCache(capacities, Thread.currentThread());
        synchronized (platformCaches) {
            platformCaches.add(cache);
        }
        return cache;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fast paths. A platform thread pops or pushes its own stack; everything else is out of line.
    // ---------------------------------------------------------------------------------------------------------

    /** {@return a free block of {@code sizeClass}, not yet marked live} */
    public long take(int sizeClass) {
        if (!Thread.currentThread().isVirtual()) {
            ThreadCache cache = local.get();
            long block = cache.pop(sizeClass);
            return block != 0 ? block : refillAndPop(cache, sizeClass);
        }
        return takeShared(sizeClass);
    }

    /** Caches a block of {@code sizeClass} that a caller has just freed (its live bit already cleared). */
    public void give(int sizeClass, long block) {
        if (!Thread.currentThread().isVirtual()) {
            ThreadCache cache = local.get();
            if (!cache.push(sizeClass, block)) {
                spillAndPush(cache, sizeClass, block);
            }
            return;
        }
        giveShared(sizeClass, block);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Slow paths.
    // ---------------------------------------------------------------------------------------------------------

    private long refillAndPop(ThreadCache cache, int sizeClass) {
        maintain(cache);
        long[] stack = cache.blocks[sizeClass];
        int want = Math.max(1, stack.length / 2);
        if (stack.length == 0) {
            long[] one = new long[1];
            heap.takeBlocks(sizeClass, one, 0, 1, null); // caching is off: no pool of its own either
            return one[0];
        }
        int got;
        try {
            got = heap.takeBlocks(sizeClass, stack, 0, want, cache);
        } catch (OutOfPoolMemoryException e) {
            // Blocks of other classes may sit in caches and pin pools: give back what we can reach, retry once.
            drain(cache);
            sweep(false, true);
            got = heap.takeBlocks(sizeClass, stack, 0, want, cache);
        }
        cache.counts[sizeClass] = got - 1;
        return stack[got - 1];
    }

    private void spillAndPush(ThreadCache cache, int sizeClass, long block) {
        maintain(cache);
        if (cache.push(sizeClass, block)) {
            return; // the trim made room
        }
        long[] stack = cache.blocks[sizeClass];
        if (stack.length == 0) {
            heap.returnBlocks(sizeClass, new long[] {block}, 0, 1);
            return;
        }
        int keep = stack.length / 2;
        heap.returnBlocks(sizeClass, stack, keep, cache.counts[sizeClass]);
        cache.counts[sizeClass] = keep;
        cache.push(sizeClass, block);
    }

    private long takeShared(int sizeClass) {
        ThreadCache cache = stripe();
        cache.lock.lock();
        try {
            long block = cache.pop(sizeClass);
            return block != 0 ? block : refillAndPop(cache, sizeClass);
        } finally {
            cache.lock.unlock();
        }
    }

    private void giveShared(int sizeClass, long block) {
        ThreadCache cache = stripe();
        cache.lock.lock();
        try {
            if (!cache.push(sizeClass, block)) {
                spillAndPush(cache, sizeClass, block);
            }
        } finally {
            cache.lock.unlock();
        }
    }

    private ThreadCache stripe() {
        return stripes[(int) Thread.currentThread().threadId() & (stripes.length - 1)];
    }

    // Runs on slow paths: the owner trims its own cache when due, and at most every 100 ms someone sweeps.
    private void maintain(ThreadCache cache) {
        long now = System.nanoTime();
        if (now - cache.lastTrimNanos > trimIntervalNanos) {
            trimHalf(cache);
            cache.lastTrimNanos = now;
        }
        if (now - nextSweepNanos > 0) {
            nextSweepNanos = now + SWEEP_INTERVAL_NANOS;
            sweep(false);
        }
    }

    private void trimHalf(ThreadCache cache) {
        for (int c = 0; c < cache.counts.length; c++) {
            int n = cache.counts[c];
            int keep = n / 2;
            if (n > keep) {
                heap.returnBlocks(c, cache.blocks[c], keep, n);
                cache.counts[c] = keep;
            }
        }
        heap.releaseClaims(cache);
    }

    private void drain(ThreadCache cache) {
        for (int c = 0; c < cache.counts.length; c++) {
            heap.returnBlocks(c, cache.blocks[c], 0, cache.counts[c]);
            cache.counts[c] = 0;
        }
        heap.releaseClaims(cache);
    }

    /**
     * Drains the caches of dead threads and, when {@code everything}, all stripes not in use and the calling
     * thread's own cache; otherwise trims stripes idle past the interval.
     */
    public void sweep(boolean everything) {
        sweep(everything, everything);
    }

    private void sweep(boolean trimAll, boolean drainStripes) {
        List<ThreadCache> orphans = new ArrayList<>();
        synchronized (platformCaches) {
            platformCaches.removeIf(cache -> cache.orphaned() && orphans.add(cache));
        }
        for (ThreadCache cache : orphans) {
            drain(cache);
        }
        long now = System.nanoTime();
        for (ThreadCache stripe : stripes) {
            // Only try: a virtual thread may already hold one stripe, and waiting for another could deadlock.
            if (!stripe.lock.tryLock()) {
                continue;
            }
            try {
                if (drainStripes) {
                    drain(stripe);
                } else if (now - stripe.lastTrimNanos > trimIntervalNanos) {
                    trimHalf(stripe);
                    stripe.lastTrimNanos = now;
                }
            } finally {
                stripe.lock.unlock();
            }
        }
        if (trimAll && !Thread.currentThread().isVirtual()) {
            drain(local.get());
        }
    }

    /** {@return cached block counts per class, over every cache} Exact only while no other thread allocates. */
    public long[] cachedPerClass() {
        long[] counts = new long[capacities.length];
        for (ThreadCache cache : all()) {
            for (int c = 0; c < counts.length; c++) {
                counts[c] += cache.counts[c];
            }
        }
        return counts;
    }

    /** {@return every cached block, per class} Exact only while no other thread allocates. */
    public long[][] cachedBlocks() {
        List<ThreadCache> all = all();
        long[][] out = new long[capacities.length][];
        for (int c = 0; c < out.length; c++) {
            int total = 0;
            for (ThreadCache cache : all) {
                total += cache.counts[c];
            }
            out[c] = new long[total];
            int at = 0;
            for (ThreadCache cache : all) {
                System.arraycopy(cache.blocks[c], 0, out[c], at, cache.counts[c]);
                at += cache.counts[c];
            }
        }
        return out;
    }

    private List<ThreadCache> all() {
        List<ThreadCache> all;
        synchronized (platformCaches) {
            all = new ArrayList<>(platformCaches);
        }
        all.addAll(List.of(stripes));
        return all;
    }

    /** {@return how many caches exist: one per live (or not yet swept) platform thread, plus the stripes} */
    public int cacheCount() {
        synchronized (platformCaches) {
            return platformCaches.size() + stripes.length;
        }
    }

}
