package dev.offpool.internal.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The per-thread tier in front of the pool heaps: finds the calling thread's cache, and holds the slow paths that
 * move blocks between caches and heaps in batches. The fast paths that use it are in {@link PoolFastPath}.
 *
 * <p>Bounds, as the design asks:
 * <ul>
 *   <li>each cache holds at most {@code threadCacheBytes} of free blocks, exactly (a push that would pass it hands
 *   half of every stack back first); a class whose block is bigger than the budget is not cached at all;</li>
 *   <li>one batch moves at most half a stack, and a stack holds at most {@value #MAX_STACK} blocks and at most
 *   {@value #STACK_BYTES} bytes' worth (but at least {@value #MIN_STACK}), so a refill never takes a whole pool;</li>
 *   <li>platform threads get one cache each through a {@link ThreadLocal}; a dead thread's cache is drained back to
 *   the heaps by whoever next sweeps (slow paths, stats, verify, trim), found through a registry holding only a weak
 *   reference to the thread;</li>
 *   <li>virtual threads share {@code virtualThreadStripes} locked caches chosen by thread id, so a million of them
 *   make no more caches than that;</li>
 *   <li>an owner whose cache has gone {@code cacheTrimIntervalNanos} without a trim hands half of every stack back on
 *   its next slow path; stripes are trimmed by any sweep since they are locked.</li>
 * </ul>
 * An idle platform thread that never calls the allocator again keeps its (bounded) cache until it dies; nothing can
 * take it safely without putting a lock on the owner's fast path.
 */
public final class ThreadCaches {
    private static final int MIN_STACK = 2;
    private static final int MAX_STACK = 256;
    private static final int STACK_BYTES = 128 * 1024;
    private static final long SWEEP_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final PoolHeap[] heapOf;
    private final PoolHeap[] heaps;
    private final int[] blockSizes;
    private final int[] capacities;
    private final long budgetBytes;
    private final long trimIntervalNanos;
    private final ThreadLocal<ThreadCache> local = ThreadLocal.withInitial(this::register);
    private final ThreadCache[] stripes;
    private final List<ThreadCache> platformCaches = new ArrayList<>();
    private volatile long nextSweepNanos;

    /**
     * @param classes              the size classes
     * @param heapOf               the heap serving each class
     * @param heaps                every heap, each once
     * @param budgetBytes          the most bytes one cache may hold; 0 turns caching off
     * @param virtualThreadStripes the number of caches shared by virtual threads, a power of two
     * @param trimIntervalNanos    how long a cache may go before its owner hands half of it back
     */
    public ThreadCaches(SizeClasses classes, PoolHeap[] heapOf, PoolHeap[] heaps, long budgetBytes,
                        int virtualThreadStripes, long trimIntervalNanos) {
        this.heapOf = heapOf;
        this.heaps = heaps;
        int n = classes.count();
        this.blockSizes = new int[n];
        this.capacities = new int[n];
        for (int c = 0; c < n; c++) {
            blockSizes[c] = classes.blockSize(c);
            capacities[c] = blockSizes[c] > budgetBytes ? 0
                    : Math.max(MIN_STACK, Math.min(MAX_STACK, STACK_BYTES / blockSizes[c]));
        }
        this.budgetBytes = budgetBytes;
        this.trimIntervalNanos = trimIntervalNanos;
        this.stripes = new ThreadCache[virtualThreadStripes];
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ThreadCache(n, budgetBytes, null);
        }
        this.nextSweepNanos = System.nanoTime() + SWEEP_INTERVAL_NANOS;
    }

    private ThreadCache register() {
        ThreadCache cache = new ThreadCache(blockSizes.length, budgetBytes, Thread.currentThread());
        synchronized (platformCaches) {
            platformCaches.add(cache);
        }
        return cache;
    }

    /** {@return the calling platform thread's cache} The fast path's first step; virtual threads use stripes. */
    ThreadCache local() {
        return local.get();
    }

    /** {@return the block size of class {@code sizeClass}} */
    int blockSize(int sizeClass) {
        return blockSizes[sizeClass];
    }

    // ---------------------------------------------------------------------------------------------------------
    // Slow paths.
    // ---------------------------------------------------------------------------------------------------------

    /** The slow path of a pop: refill half a stack from the class's heap in one locked batch, then pop. */
    long refillAndPop(ThreadCache cache, int sizeClass) {
        maintain(cache);
        int size = blockSizes[sizeClass];
        PoolHeap heap = heapOf[sizeClass];
        if (capacities[sizeClass] == 0) {
            long[] one = new long[1];
            heap.takeBlocks(sizeClass, one, 0, 1, null); // not cached: no pool of its own either
            return one[0];
        }
        long[] stack = cache.blocks[sizeClass];
        if (stack == null) {
            stack = new long[capacities[sizeClass]];
            cache.blocks[sizeClass] = stack;
        }
        long room = Math.max(0, (cache.budgetBytes - cache.cachedBytes) / size);
        int want = 1 + (int) Math.min(Math.max(1, stack.length / 2) - 1, room);
        int got = heap.takeBlocks(sizeClass, stack, 0, want, cache);
        cache.counts[sizeClass] = got - 1;
        cache.cachedBytes += (long) (got - 1) * size;
        return stack[got - 1];
    }

    /** The slow path of a push: hand half the stack (or half the cache) back in one locked batch, then push. */
    void spillAndPush(ThreadCache cache, int sizeClass, long block) {
        maintain(cache);
        int size = blockSizes[sizeClass];
        if (capacities[sizeClass] == 0) {
            heapOf[sizeClass].returnBlock(sizeClass, block);
            return;
        }
        if (cache.blocks[sizeClass] == null) {
            cache.blocks[sizeClass] = new long[capacities[sizeClass]];
        }
        if (cache.push(sizeClass, size, block)) {
            return; // the trim made room, or the stack was only unmade
        }
        long[] stack = cache.blocks[sizeClass];
        int n = cache.counts[sizeClass];
        if (n == stack.length) {
            int keep = stack.length / 2;
            heapOf[sizeClass].returnBlocks(sizeClass, stack, keep, n);
            cache.counts[sizeClass] = keep;
            cache.cachedBytes -= (long) (n - keep) * size;
        }
        if (cache.cachedBytes + size > cache.budgetBytes) {
            trimHalf(cache);
        }
        if (!cache.push(sizeClass, size, block)) {
            heapOf[sizeClass].returnBlock(sizeClass, block);
        }
    }

    /** Take for a virtual thread: from its stripe, under the stripe's lock. */
    long takeShared(int sizeClass) {
        ThreadCache cache = stripe();
        cache.lock.lock();
        try {
            long entry = cache.pop(sizeClass, blockSizes[sizeClass]);
            return entry != 0 ? entry : refillAndPop(cache, sizeClass);
        } finally {
            cache.lock.unlock();
        }
    }

    /** Give for a virtual thread: to its stripe, under the stripe's lock. */
    void giveShared(int sizeClass, long block) {
        ThreadCache cache = stripe();
        cache.lock.lock();
        try {
            if (!cache.push(sizeClass, blockSizes[sizeClass], block)) {
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
            sweep(false, false);
        }
    }

    private void trimHalf(ThreadCache cache) {
        for (int c = 0; c < cache.counts.length; c++) {
            int n = cache.counts[c];
            int keep = n / 2;
            if (n > keep) {
                heapOf[c].returnBlocks(c, cache.blocks[c], keep, n);
                cache.counts[c] = keep;
                cache.cachedBytes -= (long) (n - keep) * blockSizes[c];
            }
        }
        releaseClaims(cache);
    }

    private void drain(ThreadCache cache) {
        for (int c = 0; c < cache.counts.length; c++) {
            if (cache.counts[c] > 0) {
                heapOf[c].returnBlocks(c, cache.blocks[c], 0, cache.counts[c]);
                cache.counts[c] = 0;
            }
        }
        cache.cachedBytes = 0;
        releaseClaims(cache);
    }

    private void releaseClaims(ThreadCache cache) {
        for (PoolHeap heap : heaps) {
            heap.releaseClaims(cache);
        }
    }

    /**
     * Drains the caches of dead threads and, when {@code everything}, all stripes not in use and the calling
     * thread's own cache; otherwise trims stripes idle past the interval.
     */
    public void sweep(boolean everything) {
        sweep(everything, everything);
    }

    private void sweep(boolean drainOwn, boolean drainStripes) {
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
        if (drainOwn && !Thread.currentThread().isVirtual()) {
            drain(local.get());
        }
    }

    /**
     * {@return cached block counts per class, over every cache} Read in passing: exact only while no other thread
     * allocates or frees (callers clamp what they derive from it).
     */
    public long[] cachedPerClass() {
        long[] counts = new long[blockSizes.length];
        for (ThreadCache cache : all()) {
            for (int c = 0; c < counts.length; c++) {
                counts[c] += Math.max(0, cache.counts[c]);
            }
        }
        return counts;
    }

    /** {@return every cached entry, per class} Exact only while no other thread allocates. */
    long[][] cachedBlocks() {
        List<ThreadCache> all = all();
        long[][] out = new long[blockSizes.length][];
        for (int c = 0; c < out.length; c++) {
            int total = 0;
            for (ThreadCache cache : all) {
                total += cache.counts[c];
            }
            out[c] = new long[total];
            int at = 0;
            for (ThreadCache cache : all) {
                if (cache.counts[c] > 0) {
                    System.arraycopy(cache.blocks[c], 0, out[c], at, cache.counts[c]);
                    at += cache.counts[c];
                }
            }
        }
        return out;
    }

    /** {@return the most bytes any one cache holds now} For tests of the budget. */
    public long largestCacheBytes() {
        long most = 0;
        for (ThreadCache cache : all()) {
            most = Math.max(most, cache.cachedBytes);
        }
        return most;
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
