package dev.offpool.internal.pool;

import dev.offpool.HeapCorruptionException;
import dev.offpool.OccupancyMap;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.internal.Chunk;
import dev.offpool.internal.Region;
import dev.offpool.internal.RegionMap;
import dev.offpool.internal.Requests;
import dev.offpool.internal.ReservedBytes;
import dev.offpool.jfr.HeapEvents;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * pymalloc's arenas, pools and blocks over off-heap memory, for the size classes whose pools have one size. The
 * small classes (16..512 bytes) and the medium classes up to 2 KiB share the 16 KiB-pool heap; larger medium classes
 * get heaps of 32 KiB..512 KiB pools (see {@link SizeClasses}).
 *
 * <pre>
 * Memory layout (the 16 KiB-pool heap with default settings: 1 MiB arenas, 64 pools each)
 *
 *  arena = one page-source chunk, aligned to its size, cut into pools aligned to theirs
 *  +------------+------------+------------+-----     -----+------------+
 *  |   pool 0   |   pool 1   |   pool 2   |     ...       |  pool 63   |
 *  | 48 B class | (unused)   | 16 B class |               | 512 B class|
 *  +------------+------------+------------+-----     -----+------------+
 *
 *  pool = blocks of one size class, nothing else (its header is on the Java heap)
 *  +-------+-------+-------+-------+-------+---------  ----------+-----+
 *  | blk 0 | blk 1 | blk 2 | blk 3 | blk 4 |   not carved yet    |quant|
 *  | live  | free  | free  | live  | live  |                     |loss |
 *  +-------+-------+-------+-------+-------+---------  ----------+-----+
 *  ^ pool address: a multiple of the pool size
 *
 *  on the Java heap: Pool (counts, carve mark, free bitmap 0 1 1 0 0, links) and BlockTable (a state byte per block)
 * </pre>
 *
 * <p>Where each field lives, and why: block states are on the Java heap (a byte per block, see {@link BlockTable}),
 * so checking a free never reads user memory or memory that may have been unmapped, and a caller writing past the
 * end of a block on the raw path cannot corrupt a header. Free blocks are bits in a bitmap per pool, not pymalloc's
 * links through each block's first word (see {@link Pool#freeBits}): the allocator never writes into a block.
 *
 * <p>The pymalloc tricks, and why they are here:
 * <ul>
 *   <li>Partly used pools of each class sit in a ring ({@code rings[c]}, obmalloc's {@code usedpools}), so finding a
 *   block is O(1); a pool leaves the ring when it fills and rejoins at the head when a block comes back (it is then
 *   the warmest).</li>
 *   <li>A pool whose last block comes back goes back to its arena at once and may next serve any class.</li>
 *   <li>Arenas sit in buckets by their number of unused pools; new pools come from the non-empty bucket with the
 *   fewest, so the fullest arena is used first and nearly empty ones drain. A bitset of non-empty buckets makes the
 *   choice a few word scans.</li>
 *   <li>A wholly empty arena goes back to the page source unless it is the only empty one (kept against
 *   thrashing).</li>
 *   <li>Blocks are carved lazily, so a fresh pool costs nothing until used; and memory never written since the page
 *   source mapped it (or since a discard that zeroes) is known to be zero, so blocks carved from it are handed to
 *   thread caches marked as needing no zeroing.</li>
 *   <li>Unused pools past an allowance have their pages discarded to the OS, oldest first, so one live block pins
 *   one pool's memory, not its arena's.</li>
 * </ul>
 *
 * <p>Claims: each thread cache carves from a pool it has claimed for the class, which stays out of the ring until it
 * is full (or the cache is drained or trimmed); without this, two threads refilling from the ring's head would carve
 * from one pool and share its cache lines (measured: two threads scaled to about half of one). Frees from other
 * threads still go to the pool they came from.
 *
 * <p>Locking: one lock per size class guards its ring and its pools; the arena lock guards arenas, buckets, the
 * resident-unused list and the region map entries, and is only taken with a class lock held (never the reverse) when
 * a pool changes hands. Callers batch (thread caches move many blocks per lock), so no lock here is on the
 * per-allocation path.
 */
public final class PoolHeap {
    /** Bit 0 of a block address handed to a thread cache: set when the block is known to read as zero. */
    static final long KNOWN_ZERO = 1L;

    private final SizeClasses classes;
    private final RegionMap regions;
    private final ReservedBytes reservedBytes;
    private final int poolSize;
    private final long arenaSize;
    private final int poolsPerArena;

    private final ReentrantLock[] classLocks;
    /** Head of each class's ring of partly used pools (doubly linked, circular), or null. */
    private final Pool[] rings;

    private final ReentrantLock arenaLock = new ReentrantLock();
    /** buckets[k]: arenas with k unused pools, doubly linked through bucketPrev/bucketNext. */
    private final PoolArena[] buckets;
    /** Bit k set iff buckets[k] is non-empty. */
    private final long[] nonEmptyBuckets;
    private final Set<PoolArena> arenas = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /**
     * Unused pools whose pages are resident, oldest first: discarded once unused for {@link #decayNanos}, or, oldest
     * first, while more of them than {@link #residentAllowance()} are resident.
     */
    private Pool residentHead;
    private Pool residentTail;
    private int residentCount;
    /** The floor of the resident allowance, in pools ({@code retainedUnusedPoolBytes}). */
    private final int maxResidentUnused;
    /** How long an unused pool keeps its pages before they are discarded. */
    private final long decayNanos;
    /** Pools serving a class now, over every arena: what the resident allowance grows with. */
    private int usedPools;
    /** False once the page source has said it cannot discard; then unused pools just stay resident. */
    private boolean discarding;
    private long poolsDiscarded;
    private long arenasAllocatedTotal;
    private long arenasReclaimed;
    private long arenasHighwater;
    private boolean closed;

    /**
     * @param classes                 the size classes (this heap serves those whose pool size is {@code poolSize})
     * @param poolSize                the pool size, a power of two
     * @param arenaSize               the arena size, a power of two holding at least two pools
     * @param regions                 where arenas are registered for address lookups
     * @param reservedBytes           the allocator's reservation count and page source
     * @param retainedUnusedPoolBytes the least bytes of unused pools that may stay resident before the oldest are
     *                                discarded (the allowance grows to an eighth of the pools in use)
     * @param unusedPoolDecayNanos    how long an unused pool keeps its pages before they are discarded
     */
    public PoolHeap(SizeClasses classes, int poolSize, long arenaSize, RegionMap regions, ReservedBytes reservedBytes,
                    long retainedUnusedPoolBytes, long unusedPoolDecayNanos) {
        this.decayNanos = unusedPoolDecayNanos;
        this.classes = classes;
        this.poolSize = poolSize;
        this.arenaSize = arenaSize;
        this.poolsPerArena = (int) (arenaSize / poolSize);
        this.regions = regions;
        this.reservedBytes = reservedBytes;
        this.classLocks = new ReentrantLock[classes.count()];
        for (int c = 0; c < classLocks.length; c++) {
            if (classes.poolSize(c) == poolSize) {
                classLocks[c] = new ReentrantLock();
            }
        }
        this.rings = new Pool[classes.count()];
        this.buckets = new PoolArena[poolsPerArena + 1];
        this.nonEmptyBuckets = new long[(poolsPerArena >>> 6) + 1];
        this.maxResidentUnused = (int) Math.min(Integer.MAX_VALUE, retainedUnusedPoolBytes / poolSize);
        // Pools smaller than an OS page cannot be discarded one by one.
        this.discarding = poolSize % reservedBytes.source().pageSize() == 0;
    }

    /** {@return the pool size of this heap} */
    public int poolSize() {
        return poolSize;
    }

    /** {@return the arena size of this heap} */
    public long arenaSize() {
        return arenaSize;
    }

    /** {@return true if this heap serves class {@code sizeClass}} */
    public boolean serves(int sizeClass) {
        return classLocks[sizeClass] != null;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Batch transfer with thread caches (slow path: one class lock per batch).
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Takes up to {@code count} free blocks of {@code sizeClass} into {@code out[from..]}, from the pool
     * {@code holder} has claimed for that class (claiming a partly used or fresh pool when it has none or it is
     * full). A null holder (an uncached request) takes from the ring's head without claiming. Each address carries
     * {@link #KNOWN_ZERO} when the block is known to read as zero.
     *
     * @return how many were taken, at least 1
     * @throws OutOfPoolMemoryException if not even one block can be had
     * @throws IllegalStateException    if the heap is closed
     */
    int takeBlocks(int sizeClass, long[] out, int from, int count, ThreadCache holder) {
        ReentrantLock lock = classLocks[sizeClass];
        lock.lock();
        try {
            if (closed) {
                throw Requests.closed();
            }
            if (holder == null) {
                return takeUnclaimed(sizeClass, out, from, count);
            }
            Pool pool = holder.activePools[sizeClass];
            if (pool != null && pool.claimant != holder) {
                pool = null; // released by a sweep since
            }
            int taken = 0;
            while (taken < count) {
                if (pool == null || !pool.hasFreeBlock()) {
                    if (pool != null) {
                        unclaim(pool);
                        pool = null;
                    }
                    try {
                        pool = claimPool(sizeClass, holder);
                    } catch (OutOfPoolMemoryException e) {
                        if (taken > 0) {
                            break;
                        }
                        holder.activePools[sizeClass] = null;
                        throw e;
                    }
                }
                taken += carveFrom(pool, out, from + taken, count - taken);
            }
            holder.activePools[sizeClass] = pool;
            return taken;
        } finally {
            lock.unlock();
        }
    }

    private int takeUnclaimed(int sizeClass, long[] out, int from, int count) {
        int taken = 0;
        while (taken < count) {
            Pool pool = rings[sizeClass];
            if (pool == null) {
                try {
                    pool = adoptPool(sizeClass);
                } catch (OutOfPoolMemoryException e) {
                    if (taken > 0) {
                        break;
                    }
                    throw e;
                }
                linkAtRingHead(pool);
            }
            taken += carveFrom(pool, out, from + taken, count - taken);
            if (!pool.hasFreeBlock()) {
                unlinkFromRing(pool);
            }
        }
        return taken;
    }

    // The warmest partly used pool (the ring's head), else a fresh one. Class lock held.
    private Pool claimPool(int sizeClass, ThreadCache holder) {
        Pool pool = rings[sizeClass];
        if (pool != null) {
            unlinkFromRing(pool);
        } else {
            pool = adoptPool(sizeClass);
        }
        pool.claimant = holder;
        return pool;
    }

    // Puts a pool its claimant no longer carves from back in common use. Class lock held.
    private void unclaim(Pool pool) {
        pool.claimant = null;
        if (pool.used == 0) {
            releasePool(pool);
        } else if (pool.hasFreeBlock()) {
            linkAtRingHead(pool);
        }
    }

    /** Gives up every pool {@code holder} has claimed in this heap, so other caches can use their free blocks. */
    void releaseClaims(ThreadCache holder) {
        for (int c = 0; c < classLocks.length; c++) {
            if (classLocks[c] == null || holder.activePools[c] == null) {
                continue;
            }
            classLocks[c].lock();
            try {
                Pool pool = holder.activePools[c];
                if (pool != null && pool.claimant == holder && !closed) {
                    unclaim(pool);
                }
                holder.activePools[c] = null;
            } finally {
                classLocks[c].unlock();
            }
        }
    }

    // Hands out blocks of one pool: freed ones first, lowest address first (warm memory), then fresh carving.
    // Class lock held.
    private int carveFrom(Pool pool, long[] out, int from, int count) {
        int taken = 0;
        BlockTable table = pool.table;
        while (taken < count && pool.freeCount > 0) {
            out[from + taken++] = pool.address + (long) pool.takeFree() * table.blockSize;
        }
        long zeroFlag = pool.pristine ? KNOWN_ZERO : 0;
        while (taken < count && pool.carved < table.capacity) {
            out[from + taken++] = (pool.address + (long) pool.carved++ * table.blockSize) | zeroFlag;
        }
        pool.used += taken;
        return taken;
    }

    /**
     * Gives back blocks of {@code sizeClass} (from a thread cache, or freed without one: in state FREE, on no free
     * list). After {@link #close()} they are dropped: their memory is gone with the heap.
     *
     * @param blocks the addresses, {@code blocks[from..to)}; bit 0 may carry {@link #KNOWN_ZERO}
     */
    void returnBlocks(int sizeClass, long[] blocks, int from, int to) {
        ReentrantLock lock = classLocks[sizeClass];
        lock.lock();
        try {
            if (closed) {
                return;
            }
            for (int i = from; i < to; i++) {
                returnBlock(blocks[i] & ~KNOWN_ZERO);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Gives back one block; see {@link #returnBlocks}. */
    void returnBlock(int sizeClass, long block) {
        ReentrantLock lock = classLocks[sizeClass];
        lock.lock();
        try {
            if (!closed) {
                returnBlock(block & ~KNOWN_ZERO);
            }
        } finally {
            lock.unlock();
        }
    }

    private void returnBlock(long block) {
        PoolArena arena = (PoolArena) regions.find(block);
        Pool pool = arena.poolAt(block);
        boolean wasFull = !pool.hasFreeBlock();
        pool.addFree(pool.table.indexOf(block - pool.address));
        pool.used--;
        if (pool.claimant != null) {
            return; // stays with its claimant, even when empty: it will carve from it again
        }
        if (pool.used == 0) {
            if (!wasFull) {
                unlinkFromRing(pool);
            }
            releasePool(pool);
        } else if (wasFull) {
            linkAtRingHead(pool);
        }
    }

    private void linkAtRingHead(Pool pool) {
        int c = pool.table.sizeClass;
        Pool head = rings[c];
        if (head == null) {
            pool.prev = pool;
            pool.next = pool;
        } else {
            pool.next = head;
            pool.prev = head.prev;
            head.prev.next = pool;
            head.prev = pool;
        }
        rings[c] = pool;
        pool.inRing = true;
    }

    private void unlinkFromRing(Pool pool) {
        int c = pool.table.sizeClass;
        if (pool.next == pool) {
            rings[c] = null;
        } else {
            pool.prev.next = pool.next;
            pool.next.prev = pool.prev;
            if (rings[c] == pool) {
                rings[c] = pool.next;
            }
        }
        pool.prev = null;
        pool.next = null;
        pool.inRing = false;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Pools changing hands between arenas and classes (class lock held, arena lock taken here).
    // ---------------------------------------------------------------------------------------------------------

    private Pool adoptPool(int sizeClass) {
        arenaLock.lock();
        try {
            PoolArena arena = fullestArenaWithUnusedPool();
            if (arena == null) {
                arena = openArena();
            }
            Pool pool = arena.unusedPools;
            arena.unusedPools = pool.next;
            pool.next = null;
            if (pool.resident) {
                unlinkResident(pool);
            }
            pool.discarded = false;
            moveToBucket(arena, arena.unusedPoolCount - 1);
            usedPools++;
            BlockTable old = pool.lastTable;
            pool.lastTable = null;
            pool.table = old != null && old.sizeClass == sizeClass ? old : new BlockTable(sizeClass,
                    classes.blockSize(sizeClass), poolSize / classes.blockSize(sizeClass), classes.magic(sizeClass));
            pool.resetFreeBits(pool.table.capacity);
            pool.carved = 0;
            pool.used = 0;
            return pool;
        } finally {
            arenaLock.unlock();
        }
    }

    // The pool's table stays behind (every state FREE) so a free racing the release fails cleanly on it.
    private void releasePool(Pool pool) {
        arenaLock.lock();
        try {
            pool.pristine = pool.pristine && pool.carved == 0;
            pool.carved = 0;
            BlockTable table = pool.table;
            pool.table = null;
            pool.lastTable = table;
            PoolArena arena = pool.arena;
            pool.next = arena.unusedPools;
            arena.unusedPools = pool;
            usedPools--;
            int unused = arena.unusedPoolCount + 1;
            if (unused == arena.pools.length && buckets[unused] != null) {
                // Another arena is already wholly empty: keep that one against thrashing, return this one.
                removeFromBucket(arena);
                closeArena(arena);
            } else {
                moveToBucket(arena, unused);
                if (discarding && !pool.pristine) {
                    long now = System.nanoTime();
                    appendResident(pool, now);
                    discardUnused(now);
                }
            }
        } finally {
            arenaLock.unlock();
        }
    }

    private PoolArena fullestArenaWithUnusedPool() {
        for (int w = 0; w < nonEmptyBuckets.length; w++) {
            long bits = w == 0 ? nonEmptyBuckets[0] & ~1L : nonEmptyBuckets[w];
            if (bits != 0) {
                return buckets[(w << 6) + Long.numberOfTrailingZeros(bits)];
            }
        }
        return null;
    }

    private PoolArena openArena() {
        Chunk chunk = reservedBytes.takeChunk(arenaSize, arenaSize, Region.POOLED, arenaSize + "-byte arena of "
                + poolSize + "-byte pools");
        PoolArena arena;
        try {
            arena = new PoolArena(this, chunk, poolSize);
            regions.add(arena);
        } catch (RuntimeException | Error e) {
            chunk.release();
            throw e;
        }
        arenas.add(arena);
        arena.unusedPoolCount = -1; // not in any bucket yet
        moveToBucket(arena, arena.pools.length);
        arenasAllocatedTotal++;
        arenasHighwater = Math.max(arenasHighwater, arenas.size());
        return arena;
    }

    private void closeArena(PoolArena arena) {
        for (Pool pool : arena.pools) {
            if (pool.resident) {
                unlinkResident(pool);
            }
        }
        regions.remove(arena);
        arenas.remove(arena);
        arenasReclaimed++;
        arena.release();
    }

    /**
     * Discards what has stayed unused for the decay time, then, if still over the allowance, the oldest down to half
     * of it. Time, not count, decides first: a burst of frees (a GC releasing buffers, say) empties many pools at once
     * that the next burst of allocations refills, and discarding them on count alone made every refill fault its
     * pages back in (seen in the agent's profiles as madvise and carving). The allowance, an eighth of the pools in
     * use (at least {@code retainedUnusedPoolBytes}), bounds what the decay lets stay.
     */
    private void discardUnused(long now) {
        int decayed = 0;
        for (Pool p = residentHead; p != null && now - p.unusedSinceNanos >= decayNanos; p = p.residentNext) {
            decayed++;
        }
        if (decayed > 0) {
            discardOldest(decayed);
        }
        int allowance = residentAllowance();
        if (residentCount > allowance) {
            discardOldest(residentCount - allowance / 2);
        }
    }

    private int residentAllowance() {
        return Math.max(maxResidentUnused, usedPools / 8);
    }

    private void appendResident(Pool pool, long now) {
        pool.unusedSinceNanos = now;
        pool.resident = true;
        pool.residentPrev = residentTail;
        pool.residentNext = null;
        if (residentTail == null) {
            residentHead = pool;
        } else {
            residentTail.residentNext = pool;
        }
        residentTail = pool;
        residentCount++;
    }

    private void unlinkResident(Pool pool) {
        if (pool.residentPrev == null) {
            residentHead = pool.residentNext;
        } else {
            pool.residentPrev.residentNext = pool.residentNext;
        }
        if (pool.residentNext == null) {
            residentTail = pool.residentPrev;
        } else {
            pool.residentNext.residentPrev = pool.residentPrev;
        }
        pool.residentPrev = null;
        pool.residentNext = null;
        pool.resident = false;
        residentCount--;
    }

    // Hands the pages of the oldest unused pools back through the page source. Arena lock held. Neighbouring pools
    // of one arena go in one call: a discard costs about ten times more per page in 16 KiB calls than in one big one.
    private void discardOldest(int count) {
        List<Pool> batch = new ArrayList<>(Math.min(count, residentCount));
        for (int i = 0; i < count && residentHead != null; i++) {
            batch.add(residentHead);
            unlinkResident(residentHead);
        }
        batch.sort((a, b) -> Long.compareUnsigned(a.address, b.address));
        for (int i = 0; i < batch.size() && discarding; ) {
            Pool first = batch.get(i);
            int run = 1;
            while (i + run < batch.size() && batch.get(i + run).arena == first.arena
                    && batch.get(i + run).address == first.address + (long) run * poolSize) {
                run++;
            }
            discardRange(batch, i, run);
            i += run;
        }
        if (!discarding) {
            while (residentHead != null) {
                unlinkResident(residentHead);
            }
        }
    }

    private void discardRange(List<Pool> batch, int from, int pools) {
        Pool first = batch.get(from);
        Chunk chunk = first.arena.chunk;
        try {
            Object discardEvent = HeapEvents.beginDiscard();
            if (chunk.discard(first.offset, (long) pools * poolSize)) {
                poolsDiscarded += pools;
                if (chunk.discardLeavesZeros()) {
                    for (int i = from; i < from + pools; i++) {
                        batch.get(i).pristine = true;
                    }
                }
                for (int i = from; i < from + pools; i++) {
                    batch.get(i).discarded = true;
                }
                HeapEvents.pagesDiscarded(discardEvent, reservedBytes.allocatorName(), first.address,
                        (long) pools * poolSize, pools, poolSize);
            } else {
                discarding = false;
            }
        } catch (RuntimeException e) {
            // A free must not fail because the OS would not take pages back: keep them, and stop asking.
            discarding = false;
            System.getLogger(PoolHeap.class.getName()).log(System.Logger.Level.WARNING,
                    "offpool: page source " + reservedBytes.source().name() + " failed to discard; unused pools "
                            + "stay resident", e);
        }
    }

    /**
     * Gives back what can be given back now: the pages of every unused pool, and the wholly empty arena kept against
     * thrashing. Thread caches must have been drained first for this to reach their pools.
     */
    public void trim() {
        arenaLock.lock();
        try {
            if (closed) {
                return;
            }
            PoolArena empty = buckets[poolsPerArena];
            while (empty != null) {
                PoolArena next = empty.bucketNext;
                removeFromBucket(empty);
                closeArena(empty);
                empty = next;
            }
            if (discarding) {
                discardOldest(residentCount);
            }
        } finally {
            arenaLock.unlock();
        }
    }

    private void moveToBucket(PoolArena arena, int unusedPools) {
        if (arena.unusedPoolCount >= 0) {
            removeFromBucket(arena);
        }
        arena.unusedPoolCount = unusedPools;
        PoolArena head = buckets[unusedPools];
        arena.bucketPrev = null;
        arena.bucketNext = head;
        if (head != null) {
            head.bucketPrev = arena;
        }
        buckets[unusedPools] = arena;
        nonEmptyBuckets[unusedPools >>> 6] |= 1L << unusedPools;
    }

    private void removeFromBucket(PoolArena arena) {
        int k = arena.unusedPoolCount;
        if (arena.bucketPrev != null) {
            arena.bucketPrev.bucketNext = arena.bucketNext;
        } else {
            buckets[k] = arena.bucketNext;
            if (buckets[k] == null) {
                nonEmptyBuckets[k >>> 6] &= ~(1L << k);
            }
        }
        if (arena.bucketNext != null) {
            arena.bucketNext.bucketPrev = arena.bucketPrev;
        }
        arena.bucketPrev = null;
        arena.bucketNext = null;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Whole-heap operations: every class lock in order, then the arena lock.
    // ---------------------------------------------------------------------------------------------------------

    private void lockAll() {
        for (ReentrantLock lock : classLocks) {
            if (lock != null) {
                lock.lock();
            }
        }
        arenaLock.lock();
    }

    private void unlockAll() {
        arenaLock.unlock();
        for (int c = classLocks.length - 1; c >= 0; c--) {
            if (classLocks[c] != null) {
                classLocks[c].unlock();
            }
        }
    }

    /**
     * Releases every arena, except that an arena holding blocks of open pooled arenas is released when the last of
     * them closes ({@link dev.offpool.internal.Region#releaseOrDefer()}). Later batch calls throw or do nothing.
     */
    public void close() {
        lockAll();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (PoolArena arena : new ArrayList<>(arenas)) {
                regions.remove(arena);
                arena.releaseOrDefer();
            }
            arenas.clear();
            Arrays.fill(buckets, null);
            Arrays.fill(nonEmptyBuckets, 0);
            Arrays.fill(rings, null);
            residentHead = null;
            residentTail = null;
            residentCount = 0;
        } finally {
            unlockAll();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Inspection.
    // ---------------------------------------------------------------------------------------------------------

    /** What {@link #stats} adds up for one heap; the pool tier sums these over its heaps. */
    record Census(int[] pools, long[] used, long[] available, long bytesInUnusedPools, long quantizationBytes,
                  long arenaBytes, long arenasCurrent, long arenasAllocatedTotal, long arenasReclaimed,
                  long arenasHighwater, long poolsDiscarded, long heapMetadataBytes, long bytesInDiscardedPools) {
    }

    /** {@return this heap's counts, per class, taken under all its locks: a consistent picture of the heap} */
    Census census() {
        lockAll();
        try {
            int n = classes.count();
            int[] pools = new int[n];
            long[] used = new long[n];
            long[] available = new long[n];
            long unusedPoolBytes = 0;
            long discardedPoolBytes = 0;
            long quantization = 0;
            long metadata = 64L * arenas.size();
            for (PoolArena arena : arenas) {
                metadata += 16 + 4L * arena.pools.length;
                for (Pool pool : arena.pools) {
                    metadata += 96;
                    BlockTable t = pool.table;
                    if (t == null) {
                        unusedPoolBytes += poolSize;
                        discardedPoolBytes += pool.discarded ? poolSize : 0;
                        continue;
                    }
                    metadata += 40 + t.capacity;
                    pools[t.sizeClass]++;
                    used[t.sizeClass] += pool.used;
                    available[t.sizeClass] += t.capacity - pool.used;
                    quantization += poolSize - (long) t.capacity * t.blockSize;
                }
            }
            return new Census(pools, used, available, unusedPoolBytes, quantization, arenaSize * arenas.size(),
                    arenas.size(), arenasAllocatedTotal, arenasReclaimed, arenasHighwater, poolsDiscarded, metadata,
                    discardedPoolBytes);
        } finally {
            unlockAll();
        }
    }

    /**
     * {@return every arena of this heap and the state of each of its pools, taken under all its locks} How many of a
     * pool's blocks out are live rather than cached is read from its block states in passing (see
     * {@link OccupancyMap}).
     */
    List<OccupancyMap.Arena> occupancy() {
        lockAll();
        try {
            List<OccupancyMap.Arena> out = new ArrayList<>(arenas.size());
            for (PoolArena arena : arenas) {
                List<OccupancyMap.Pool> pools = new ArrayList<>(arena.pools.length);
                for (Pool pool : arena.pools) {
                    pools.add(occupancy(pool));
                }
                out.add(new OccupancyMap.Arena(arena.base, arena.end - arena.base, poolSize, pools));
            }
            return out;
        } finally {
            unlockAll();
        }
    }

    // Class locks and arena lock held.
    private OccupancyMap.Pool occupancy(Pool pool) {
        BlockTable t = pool.table;
        if (t == null) {
            OccupancyMap.PoolState state = pool.discarded ? OccupancyMap.PoolState.DISCARDED
                    : OccupancyMap.PoolState.UNUSED;
            return new OccupancyMap.Pool(pool.index, pool.address, poolSize, state, -1, 0, 0, 0, 0, null);
        }
        int held = 0;
        for (int i = 0; i < pool.carved; i++) {
            held += BlockTable.isHeld(t.state(i)) ? 1 : 0;
        }
        // A block between a free's state change and its push is counted as cached; clamp so the two add up.
        int live = Math.min(held, pool.used);
        OccupancyMap.PoolState state;
        String claimant = null;
        if (pool.claimant != null) {
            state = OccupancyMap.PoolState.CLAIMED;
            claimant = claimantName(pool.claimant);
        } else {
            state = pool.hasFreeBlock() ? OccupancyMap.PoolState.PARTLY_USED : OccupancyMap.PoolState.FULL;
        }
        return new OccupancyMap.Pool(pool.index, pool.address, poolSize, state, t.sizeClass, t.blockSize, t.capacity,
                live, pool.used - live, claimant);
    }

    private static String claimantName(ThreadCache cache) {
        if (cache.owner == null) {
            return "virtual-thread stripe";
        }
        Thread owner = cache.owner.get();
        return owner == null || !owner.isAlive() ? "dead thread" : owner.getName();
    }

    /**
     * Walks the whole structure and checks every invariant.
     *
     * @param cachedBlocks every block held in thread caches, per class (callers must be quiescent)
     * @throws HeapCorruptionException naming the first broken invariant
     */
    void verify(long[][] cachedBlocks) {
        lockAll();
        try {
            verifyArenas();
            verifyResidentList();
            Map<Pool, Integer> cachedPerPool = verifyCached(cachedBlocks);
            for (int c = 0; c < rings.length; c++) {
                if (classLocks[c] != null) {
                    verifyRing(c);
                }
            }
            for (PoolArena arena : arenas) {
                for (Pool pool : arena.pools) {
                    verifyPool(pool, cachedPerPool.getOrDefault(pool, 0));
                }
            }
        } finally {
            unlockAll();
        }
    }

    private void verifyArenas() {
        int empty = 0;
        int inBuckets = 0;
        for (int k = 0; k < buckets.length; k++) {
            boolean bit = (nonEmptyBuckets[k >>> 6] & (1L << k)) != 0;
            check(bit == (buckets[k] != null), "bucket " + k + " non-empty bit is " + bit);
            for (PoolArena a = buckets[k]; a != null; a = a.bucketNext) {
                check(a.unusedPoolCount == k, a + " sits in bucket " + k);
                check(arenas.contains(a), a + " is in a bucket but not open");
                check(a.bucketNext == null || a.bucketNext.bucketPrev == a, a + " has a broken bucket link");
                inBuckets++;
                if (k == a.pools.length) {
                    empty++;
                }
            }
        }
        check(inBuckets == arenas.size(), inBuckets + " arenas in buckets but " + arenas.size() + " open");
        check(empty <= 1, empty + " wholly empty arenas kept; at most one may be");
        for (PoolArena a : arenas) {
            check(a.base % arenaSize == 0 && a.end - a.base == arenaSize, a + " is not aligned to and sized as an "
                    + arenaSize + "-byte arena");
            check(regions.find(a.base) == a && regions.find(a.end - 1) == a, "region map does not find " + a);
            check(regions.find(a.base - 1) != a && regions.find(a.end) != a, "region map over-extends " + a);
            check(!a.isReleased(), a + " is open but its chunk was released");
            int listed = 0;
            for (Pool p = a.unusedPools; p != null; p = p.next) {
                check(p.arena == a && p.table == null, p + " on the unused list of " + a);
                check(++listed <= a.pools.length, "unused-pool list of " + a + " loops");
            }
            int unused = 0;
            for (Pool p : a.pools) {
                unused += p.table == null ? 1 : 0;
            }
            check(listed == unused && unused == a.unusedPoolCount, a + ": " + listed + " pools listed unused, "
                    + unused + " unused, count says " + a.unusedPoolCount);
        }
    }

    private void verifyResidentList() {
        int n = 0;
        for (Pool p = residentHead; p != null; p = p.residentNext) {
            check(p.resident && p.table == null, p + " is on the resident-unused list but is not unused");
            check(p.residentNext != null ? p.residentNext.residentPrev == p : residentTail == p, p
                    + " has a broken link");
            check(arenas.contains(p.arena), p + " is on the resident-unused list of a closed arena");
            check(++n <= residentCount, "resident-unused list is longer than its count " + residentCount);
        }
        check(n == residentCount, "resident-unused list holds " + n + " pools, count says " + residentCount);
        check(residentCount <= residentAllowance() || !discarding, residentCount
                + " unused pools resident, over the allowance of " + residentAllowance());
        int used = 0;
        for (PoolArena a : arenas) {
            used += a.pools.length - a.unusedPoolCount;
        }
        check(used == usedPools, "arenas hold " + used + " pools in use, the heap counts " + usedPools);
    }

    private Map<Pool, Integer> verifyCached(long[][] cachedBlocks) {
        Map<Pool, Integer> perPool = new IdentityHashMap<>();
        Set<Long> seen = new HashSet<>();
        for (int c = 0; c < cachedBlocks.length; c++) {
            if (classLocks[c] == null) {
                continue;
            }
            for (long entry : cachedBlocks[c]) {
                long block = entry & ~KNOWN_ZERO;
                String name = "cached block 0x" + Long.toHexString(block);
                check(regions.find(block) instanceof PoolArena a && a.heap == this, name + " lies in no arena");
                Pool pool = ((PoolArena) regions.find(block)).poolAt(block);
                BlockTable t = pool.table;
                check(t != null && t.sizeClass == c, name + " of class " + c + " is in " + pool);
                long offset = block - pool.address;
                int index = t.indexOf(offset);
                check(t.isBlockStart(offset, index), name + " is not a block start");
                check(index < pool.carved, name + " was never carved");
                check(t.state(index) == BlockTable.FREE, name + " is cached but its state is " + t.state(index));
                check(seen.add(block), "block 0x" + Long.toHexString(block) + " is cached twice");
                if ((entry & KNOWN_ZERO) != 0) {
                    check(isZero(pool.arena, block, t.blockSize), name + " is marked known-zero but holds data");
                }
                perPool.merge(pool, 1, Integer::sum);
            }
        }
        return perPool;
    }

    private static boolean isZero(PoolArena arena, long block, int size) {
        long offset = block - arena.base;
        for (int i = 0; i < size; i += 8) {
            if (arena.memory.get(ValueLayout.JAVA_LONG, offset + i) != 0) {
                return false;
            }
        }
        return true;
    }

    private void verifyRing(int c) {
        Pool head = rings[c];
        if (head == null) {
            return;
        }
        Pool p = head;
        int steps = 0;
        do {
            check(p.table != null && p.table.sizeClass == c && p.inRing, p + " is in the ring of class " + c);
            check(p.next.prev == p, p + " has a broken ring link");
            check(p.hasFreeBlock() && p.claimant == null, p + " is full or claimed but in the ring");
            check(++steps <= arenas.size() * poolsPerArena, "ring of class " + c + " loops");
            p = p.next;
        } while (p != head);
    }

    private void verifyPool(Pool pool, int cached) {
        BlockTable t = pool.table;
        check(!pool.discarded || (t == null && !pool.resident), pool
                + " is marked discarded but serves a class or is on the resident-unused list");
        if (t == null) {
            check(cached == 0 && !pool.inRing && pool.claimant == null, pool
                    + " is unused but holds cached blocks, sits in a ring or is claimed");
            BlockTable last = pool.lastTable;
            if (last != null) {
                for (int i = 0; i < last.capacity; i++) {
                    check(last.state(i) == BlockTable.FREE, pool + " is unused but block " + i + " of its last "
                            + "class is held");
                }
            }
            return;
        }
        check(pool.used > 0 || pool.claimant != null, pool + " serves a class with no block used and no claimant");
        check(pool.claimant == null || pool.claimant.activePools[t.sizeClass] == pool, pool
                + " is claimed by a cache that does not carve from it");
        boolean belongsInRing = pool.claimant == null && pool.hasFreeBlock();
        check(pool.inRing == belongsInRing, pool + (pool.inRing ? " is in a ring but is full or claimed"
                : " has free blocks and no claimant but is not in its ring"));
        check(pool.carved <= t.capacity, pool + " carved past its capacity");
        check(pool.freeBits != null && pool.freeBits.length == (t.capacity + 63) >>> 6, pool
                + " has a free bitmap of the wrong size");
        int listed = 0;
        for (int w = 0; w < pool.freeBits.length; w++) {
            check(pool.freeBits[w] == 0 || w >= pool.freeScanWord, pool + " has a free block below its scan start");
            for (long bits = pool.freeBits[w]; bits != 0; bits &= bits - 1) {
                int index = (w << 6) + Long.numberOfTrailingZeros(bits);
                check(index < pool.carved, pool + " free bitmap holds block " + index + ", never carved");
                check(t.state(index) == BlockTable.FREE, pool + " free bitmap holds held block " + index);
                listed++;
            }
        }
        check(listed == pool.freeCount, pool + " free bitmap holds " + listed + " blocks, its count says "
                + pool.freeCount);
        int held = 0;
        for (int i = 0; i < t.capacity; i++) {
            byte s = t.state(i);
            check(s >= BlockTable.FREE && s <= BlockTable.RESIZED, pool + " block " + i + " has unknown state " + s);
            check(i < pool.carved || s == BlockTable.FREE, pool + " block " + i + " is held but was never carved");
            held += BlockTable.isHeld(s) ? 1 : 0;
            check(s != BlockTable.RESIZED || (t.resizedBytes != null && t.resizedBytes[i] > 0
                    && t.resizedBytes[i] <= t.blockSize), pool + " block " + i + " is resized to no valid size");
        }
        check(pool.used == pool.carved - listed, pool + ": used " + pool.used + " but carved " + pool.carved
                + " minus " + listed + " in the free bitmap");
        check(pool.used == held + cached, pool + ": used " + pool.used + " but " + held + " held and " + cached
                + " cached");
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new HeapCorruptionException(message);
        }
    }
}
