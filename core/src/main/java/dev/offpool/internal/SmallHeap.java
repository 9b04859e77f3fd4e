package dev.offpool.internal;

import dev.offpool.HeapCorruptionException;
import dev.offpool.InvalidFreeException;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.PoolStats;
import dev.offpool.SizeClassStats;
import dev.offpool.spi.PageSource;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The central small-block heap: pymalloc's arenas, pools and blocks over off-heap memory.
 *
 * <pre>
 * Memory layout (defaults: 1 MiB arenas, 16 KiB pools, 16..512-byte blocks in 32 classes)
 *
 *  arena = one page-source chunk, cut into pools aligned to the pool size
 *  +------------+------------+------------+-----     -----+------------+
 *  |   pool 0   |   pool 1   |   pool 2   |     ...       |  pool 63   |
 *  | 48 B class | (unused)   | 16 B class |               | 512 B class|
 *  +------------+------------+------------+-----     -----+------------+
 *
 *  pool = blocks of one size class, then the live-block bitmap
 *  +-------+-------+-------+-------+---------  ----+------+------------+
 *  | blk 0 | blk 1 | blk 2 | blk 3 |  not carved   | quant| bitmap     |
 *  | live  | free ----&gt; free  | live  |  yet          | loss | 128 B      |
 *  +-------+-------+-------+-------+---------  ----+------+------------+
 *  ^ address &amp; ~(POOL_SIZE - 1)                                ^ pool + POOL_SIZE - 128
 *
 *  free block: its first 8 bytes hold the address of the next free block of the pool (0 ends the list)
 *  bitmap:     one bit per 16-byte granule; set while a caller holds the block starting there
 * </pre>
 *
 * <p>Where each field lives: the bitmap is off-heap at the pool's tail, so the allocation and free fast paths
 * (outside this class) reach it from a block address by masking, with one atomic read-modify-write and no lookup.
 * Everything else a pool knows ({@link Pool}: class, blocks used, free-list head, carve mark, ring links) and
 * everything an arena knows ({@link ArenaChunk}) is on the Java heap: a few objects per arena, nothing per block.
 *
 * <p>The pymalloc tricks, and why they are here:
 * <ul>
 *   <li>Partly used pools of each class sit in a ring ({@code rings[c]}), so finding a block is O(1); a pool leaves
 *   the ring when it fills and rejoins at the head when a block comes back (it is then the warmest).</li>
 *   <li>A pool whose last block comes back goes back to its arena at once and may next serve any class.</li>
 *   <li>Arenas sit in buckets by their number of unused pools; new pools come from the non-empty bucket with the
 *   fewest, so the fullest arena is used first and nearly empty ones drain. A bitset of non-empty buckets makes the
 *   choice O(poolsPerArena / 64), constant for a given configuration.</li>
 *   <li>A wholly empty arena goes back to the page source unless it is the only empty one (kept against thrashing).
 *   </li>
 *   <li>Blocks are carved lazily, so a fresh pool costs nothing until used.</li>
 * </ul>
 *
 * <p>Claims: each thread cache carves from a pool it has claimed for the class, which stays out of the ring until
 * it is full (or the cache is drained or trimmed). Without this, two threads refilling from the ring's head would
 * flip bits in the same bitmap cache line on every allocation and free, and two threads scaled to about half of one
 * (measured with TwoThreadsBenchmark). Frees from other threads still go to the pool they came from.
 *
 * <p>Locking: one lock per size class guards its ring and its pools; the arena lock guards arenas, buckets and the
 * arena map, and is only taken with a class lock held (never the reverse) when a pool changes hands. Callers batch
 * (thread caches move many blocks per lock), so no lock here is on the per-allocation path.
 */
public final class SmallHeap {
    private final HeapConfig config;
    private final SizeClasses classes;
    private final PageSource pageSource;
    private final int poolSize;
    private final int bitmapBytes;
    private final int poolsPerArena;
    private final int poolShift;

    private final ReentrantLock[] classLocks;
    /** Head of each class's ring of partly used pools (doubly linked, circular), or null. */
    private final Pool[] rings;

    private final ReentrantLock arenaLock = new ReentrantLock();
    /** buckets[k]: arenas with k unused pools, doubly linked through bucketPrev/bucketNext. */
    private final ArenaChunk[] buckets;
    /** Bit k set iff buckets[k] is non-empty. */
    private final long[] nonEmptyBuckets;
    private final ArenaMap arenaMap;
    private final Map<ArenaChunk, Boolean> arenas = new IdentityHashMap<>();
    /** Unused pools whose pages are resident, oldest first; discarded past {@link #maxDirtyPools}. */
    private Pool dirtyHead;
    private Pool dirtyTail;
    private int dirtyCount;
    private final int maxDirtyPools;
    /** False once the page source has said it cannot discard; then unused pools just stay resident. */
    private boolean discarding;
    private long poolsDiscarded;
    private long arenasAllocatedTotal;
    private long arenasReclaimed;
    private long arenasHighwater;

    private final ReservedBytes reservedBytes;

    /**
     * @param config        validated constants
     * @param reservedBytes the allocator's reservation count, shared with the other tiers
     */
    public SmallHeap(HeapConfig config, ReservedBytes reservedBytes) {
        this.config = config;
        this.reservedBytes = reservedBytes;
        this.classes = new SizeClasses(config.smallMaxBytes());
        this.pageSource = config.pageSource();
        this.poolSize = config.poolSizeBytes();
        this.bitmapBytes = bitmapBytes(poolSize);
        this.poolsPerArena = config.poolsPerArena();
        this.poolShift = config.poolShift();
        this.classLocks = new ReentrantLock[classes.count()];
        for (int c = 0; c < classLocks.length; c++) {
            classLocks[c] = new ReentrantLock();
        }
        this.rings = new Pool[classes.count()];
        this.buckets = new ArenaChunk[poolsPerArena + 1];
        this.nonEmptyBuckets = new long[(poolsPerArena >>> 6) + 1];
        this.arenaMap = new ArenaMap(config.arenaShift());
        this.maxDirtyPools = (int) Math.min(Integer.MAX_VALUE, config.retainedUnusedPoolBytes() / poolSize);
        // Pools smaller than an OS page (4 KiB pools on a 16 KiB-page kernel) cannot be discarded one by one.
        this.discarding = poolSize % pageSource.pageSize() == 0;
    }

    /** {@return bytes of the live-block bitmap at the tail of a pool of {@code poolSizeBytes}} */
    public static int bitmapBytes(int poolSizeBytes) {
        return poolSizeBytes / SizeClasses.QUANTUM_BYTES / Byte.SIZE;
    }

    /** {@return the size classes} */
    public SizeClasses classes() {
        return classes;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Live-block bitmap: the only pool state the fast paths touch. Lock-free; any thread.
    // ---------------------------------------------------------------------------------------------------------

    private long bitmapWord(long block) {
        long pool = block & -(long) poolSize;
        long granule = (block - pool) >>> 4;
        return pool + poolSize - bitmapBytes + ((granule >>> 6) << 3);
    }

    /** Marks {@code block} as held by a caller. The block must be one this heap handed to a cache. */
    public void markLive(long block) {
        NativeMemory.getAndOrLong(bitmapWord(block), 1L << ((block >>> 4) & 63));
    }

    /** Marks a block a caller held as free again; {@return false if it was not marked live} */
    public boolean markFreed(long block) {
        long bit = 1L << ((block >>> 4) & 63);
        return (NativeMemory.getAndAndLong(bitmapWord(block), ~bit) & bit) != 0;
    }

    private boolean isLive(long block) {
        return (NativeMemory.getLongVolatile(bitmapWord(block)) & (1L << ((block >>> 4) & 63))) != 0;
    }

    /**
     * Checks that {@code address} is the start of a block a caller holds and marks it free. Nothing is read at the
     * address before the arena map has said it is ours.
     *
     * @return the block's size class, or -1 if the address lies in none of this heap's arenas
     * @throws InvalidFreeException if it lies in an arena but is not a live block; nothing changes then
     */
    public int claimForFree(long address) {
        ArenaChunk arena = arenaMap.find(address);
        if (arena == null) {
            return -1;
        }
        Pool pool = arena.pools[(int) ((address - arena.base) >>> poolShift)];
        int sizeClass = pool.sizeClass;
        // Bits are set only at live block starts, so one successful clear proves the address is a live block: no
        // division on the way. Anything else is diagnosed out of line.
        if (sizeClass >= 0 && (address & (SizeClasses.QUANTUM_BYTES - 1)) == 0 && markFreed(address)) {
            return sizeClass;
        }
        throw invalidFree(address, pool);
    }

    private static InvalidFreeException invalidFree(long address, Pool pool) {
        if (pool.sizeClass < 0) {
            return new InvalidFreeException("free of 0x" + Long.toHexString(address) + ": it lies in an unused pool ("
                    + pool + "); the block was already freed, or never allocated");
        }
        int blockSize = pool.blockSize;
        long offset = address - pool.address;
        if (offset % blockSize != 0 || offset / blockSize >= pool.capacity) {
            long start = pool.address + Math.min(offset / blockSize, pool.capacity - 1L) * blockSize;
            return new InvalidFreeException("free of 0x" + Long.toHexString(address) + ": it is " + (address - start)
                    + " bytes inside the " + blockSize + "-byte block at 0x" + Long.toHexString(start)
                    + "; free takes the address allocate returned, not a slice");
        }
        return new InvalidFreeException("double free of 0x" + Long.toHexString(address) + ": the " + blockSize
                + "-byte block is not allocated (already freed, or never handed out)");
    }

    /** {@return the block size of the live block at {@code address}, or -1 if it is not one} No side effects. */
    public int blockSizeIfLive(long address) {
        ArenaChunk arena = arenaMap.find(address);
        if (arena == null) {
            return -1;
        }
        Pool pool = arena.pools[(int) ((address - arena.base) >>> poolShift)];
        int blockSize = pool.blockSize;
        long offset = address - pool.address;
        if (pool.sizeClass < 0 || offset % blockSize != 0 || !isLive(address)) {
            return -1;
        }
        return blockSize;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Batch transfer with thread caches (slow path: one class lock per batch).
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Takes up to {@code count} free blocks of {@code sizeClass} into {@code out[from..]}, from the pool
     * {@code holder} has claimed for that class (claiming a partly used or fresh pool when it has none or it is full).
     * A null holder (caching turned off) takes from the ring's head without claiming.
     *
     * @return how many were taken, at least 1
     * @throws OutOfPoolMemoryException if not even one block can be had
     */
    int takeBlocks(int sizeClass, long[] out, int from, int count, ThreadCache holder) {
        ReentrantLock lock = classLocks[sizeClass];
        lock.lock();
        try {
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

    /** Gives up every pool {@code holder} has claimed, so other caches can use their free blocks. */
    void releaseClaims(ThreadCache holder) {
        for (int c = 0; c < classLocks.length; c++) {
            if (holder.activePools[c] == null) {
                continue;
            }
            classLocks[c].lock();
            try {
                Pool pool = holder.activePools[c];
                if (pool != null && pool.claimant == holder) {
                    unclaim(pool);
                }
                holder.activePools[c] = null;
            } finally {
                classLocks[c].unlock();
            }
        }
    }

    // Hands out blocks of one pool: the free list first (warm memory), then fresh carving.
    private int carveFrom(Pool pool, long[] out, int from, int count) {
        int taken = 0;
        while (taken < count && pool.freeHead != 0) {
            long block = pool.freeHead;
            pool.freeHead = NativeMemory.getLong(block);
            out[from + taken++] = block;
        }
        while (taken < count && pool.carved < pool.capacity) {
            out[from + taken++] = pool.address + (long) pool.carved++ * pool.blockSize;
        }
        pool.used += taken;
        return taken;
    }

    /**
     * Gives back blocks of {@code sizeClass} (from a thread cache: not live, not on any free list).
     *
     * @param blocks the addresses, {@code blocks[from..to)}
     */
    public void returnBlocks(int sizeClass, long[] blocks, int from, int to) {
        ReentrantLock lock = classLocks[sizeClass];
        lock.lock();
        try {
            for (int i = from; i < to; i++) {
                returnBlock(blocks[i]);
            }
        } finally {
            lock.unlock();
        }
    }

    private void returnBlock(long block) {
        ArenaChunk arena = arenaMap.find(block);
        Pool pool = arena.pools[(int) ((block - arena.base) >>> poolShift)];
        boolean wasFull = !pool.hasFreeBlock();
        NativeMemory.putLong(block, pool.freeHead);
        pool.freeHead = block;
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
        int c = pool.sizeClass;
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
        int c = pool.sizeClass;
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
            ArenaChunk arena = fullestArenaWithFreePool();
            if (arena == null) {
                arena = openArena();
            }
            Pool pool = arena.freePools;
            arena.freePools = pool.next;
            pool.next = null;
            if (pool.dirty) {
                unlinkDirty(pool);
            }
            moveToBucket(arena, arena.freePoolCount - 1);
            pool.blockSize = classes.blockSize(sizeClass);
            pool.capacity = (poolSize - bitmapBytes) / pool.blockSize;
            pool.freeHead = 0;
            pool.carved = 0;
            pool.used = 0;
            pool.sizeClass = sizeClass;
            return pool;
        } finally {
            arenaLock.unlock();
        }
    }

    private void releasePool(Pool pool) {
        arenaLock.lock();
        try {
            pool.sizeClass = -1;
            pool.freeHead = 0;
            pool.carved = 0;
            ArenaChunk arena = pool.arena;
            pool.next = arena.freePools;
            arena.freePools = pool;
            int free = arena.freePoolCount + 1;
            if (free == arena.pools.length && buckets[free] != null) {
                // Another arena is already wholly empty: keep that one against thrashing, return this one.
                removeFromBucket(arena);
                closeArena(arena);
            } else {
                moveToBucket(arena, free);
                if (discarding) {
                    appendDirty(pool);
                    if (dirtyCount > maxDirtyPools) {
                        // Discard down to half the allowance, so a workload freeing and refilling pools at the
                        // boundary pays one madvise per many pool releases, not one each.
                        discardOldest(dirtyCount - maxDirtyPools / 2);
                    }
                }
            }
        } finally {
            arenaLock.unlock();
        }
    }

    private ArenaChunk fullestArenaWithFreePool() {
        for (int w = 0; w < nonEmptyBuckets.length; w++) {
            long bits = w == 0 ? nonEmptyBuckets[0] & ~1L : nonEmptyBuckets[w];
            if (bits != 0) {
                return buckets[(w << 6) + Long.numberOfTrailingZeros(bits)];
            }
        }
        return null;
    }

    private ArenaChunk openArena() {
        long arenaBytes = config.arenaSizeBytes();
        MemorySegment chunk = reservedBytes.takeChunk(pageSource, arenaBytes, poolSize, arenaBytes + "-byte arena");
        ArenaChunk arena = new ArenaChunk(chunk, poolSize, poolsPerArena);
        arenas.put(arena, Boolean.TRUE);
        arenaMap.add(arena);
        arena.freePoolCount = -1; // not in any bucket yet
        moveToBucket(arena, arena.pools.length);
        arenasAllocatedTotal++;
        arenasHighwater = Math.max(arenasHighwater, arenas.size());
        return arena;
    }

    private void closeArena(ArenaChunk arena) {
        for (Pool pool : arena.pools) {
            if (pool.dirty) {
                unlinkDirty(pool);
            }
        }
        arenaMap.remove(arena);
        arenas.remove(arena);
        arenasReclaimed++;
        reservedBytes.returnChunk(pageSource, arena.chunk);
    }

    private void appendDirty(Pool pool) {
        pool.dirty = true;
        pool.dirtyPrev = dirtyTail;
        pool.dirtyNext = null;
        if (dirtyTail == null) {
            dirtyHead = pool;
        } else {
            dirtyTail.dirtyNext = pool;
        }
        dirtyTail = pool;
        dirtyCount++;
    }

    private void unlinkDirty(Pool pool) {
        if (pool.dirtyPrev == null) {
            dirtyHead = pool.dirtyNext;
        } else {
            pool.dirtyPrev.dirtyNext = pool.dirtyNext;
        }
        if (pool.dirtyNext == null) {
            dirtyTail = pool.dirtyPrev;
        } else {
            pool.dirtyNext.dirtyPrev = pool.dirtyPrev;
        }
        pool.dirtyPrev = null;
        pool.dirtyNext = null;
        pool.dirty = false;
        dirtyCount--;
    }

    // Hands the pages of the oldest unused pools back through the page source. Arena lock held. Neighbouring pools
    // of one arena go in one call: a discard costs about ten times more per page in 16 KiB calls than in one big one.
    private void discardOldest(int count) {
        List<Pool> batch = new ArrayList<>(Math.min(count, dirtyCount));
        for (int i = 0; i < count && dirtyHead != null; i++) {
            batch.add(dirtyHead);
            unlinkDirty(dirtyHead);
        }
        batch.sort((a, b) -> Long.compareUnsigned(a.address, b.address));
        for (int i = 0; i < batch.size() && discarding; ) {
            Pool first = batch.get(i);
            int run = 1;
            while (i + run < batch.size() && batch.get(i + run).arena == first.arena
                    && batch.get(i + run).address == first.address + (long) run * poolSize) {
                run++;
            }
            discardRange(first, run);
            i += run;
        }
        if (!discarding) {
            while (dirtyHead != null) {
                unlinkDirty(dirtyHead);
            }
        }
    }

    private void discardRange(Pool first, int pools) {
        MemorySegment chunk = first.arena.chunk;
        try {
            if (pageSource.discard(chunk, first.address - chunk.address(), (long) pools * poolSize)) {
                poolsDiscarded += pools;
            } else {
                discarding = false;
            }
        } catch (RuntimeException e) {
            // A free must not fail because the OS would not take pages back: keep them, and stop asking.
            discarding = false;
            System.getLogger(SmallHeap.class.getName()).log(System.Logger.Level.WARNING,
                    "offpool: page source " + pageSource.name() + " failed to discard; unused pools stay resident",
                    e);
        }
    }

    /**
     * Gives back what can be given back now: the pages of every unused pool, and the wholly empty arena kept
     * against thrashing. Thread caches must have been drained first for this to reach their pools.
     */
    public void trim() {
        arenaLock.lock();
        try {
            ArenaChunk empty = buckets[poolsPerArena];
            while (empty != null) {
                ArenaChunk next = empty.bucketNext;
                removeFromBucket(empty);
                closeArena(empty);
                empty = next;
            }
            if (discarding) {
                discardOldest(dirtyCount);
            }
        } finally {
            arenaLock.unlock();
        }
    }

    private void moveToBucket(ArenaChunk arena, int freePools) {
        if (arena.freePoolCount >= 0) {
            removeFromBucket(arena);
        }
        arena.freePoolCount = freePools;
        ArenaChunk head = buckets[freePools];
        arena.bucketPrev = null;
        arena.bucketNext = head;
        if (head != null) {
            head.bucketPrev = arena;
        }
        buckets[freePools] = arena;
        nonEmptyBuckets[freePools >>> 6] |= 1L << freePools;
    }

    private void removeFromBucket(ArenaChunk arena) {
        int k = arena.freePoolCount;
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
    // Whole-heap operations: every lock, class locks in order, then the arena lock.
    // ---------------------------------------------------------------------------------------------------------

    private void lockAll() {
        for (ReentrantLock lock : classLocks) {
            lock.lock();
        }
        arenaLock.lock();
    }

    private void unlockAll() {
        arenaLock.unlock();
        for (int c = classLocks.length - 1; c >= 0; c--) {
            classLocks[c].unlock();
        }
    }

    /** Releases every arena. The heap must not be used afterwards. */
    public void close() {
        lockAll();
        try {
            for (ArenaChunk arena : new ArrayList<>(arenas.keySet())) {
                closeArena(arena);
            }
            java.util.Arrays.fill(buckets, null);
            java.util.Arrays.fill(nonEmptyBuckets, 0);
            java.util.Arrays.fill(rings, null);
        } finally {
            unlockAll();
        }
    }

    /**
     * Takes a snapshot.
     *
     * @param cachedPerClass free blocks per class held in thread caches (counted as used by the pools)
     */
    public PoolStats stats(long[] cachedPerClass) {
        lockAll();
        try {
            int n = classes.count();
            int[] pools = new int[n];
            long[] used = new long[n];
            long[] available = new long[n];
            long headers = 0;
            long quantization = 0;
            long unusedPoolBytes = 0;
            long alignment = 0;
            for (ArenaChunk arena : arenas.keySet()) {
                alignment += arena.alignmentLossBytes;
                for (Pool pool : arena.pools) {
                    if (pool.sizeClass < 0) {
                        unusedPoolBytes += poolSize;
                        continue;
                    }
                    int c = pool.sizeClass;
                    pools[c]++;
                    used[c] += pool.used;
                    available[c] += pool.capacity - pool.used;
                    headers += bitmapBytes;
                    quantization += (poolSize - bitmapBytes) - (long) pool.capacity * pool.blockSize;
                }
            }
            List<SizeClassStats> rows = new ArrayList<>(n);
            long allocatedBytes = 0;
            long cachedBytes = 0;
            long availableBytes = 0;
            for (int c = 0; c < n; c++) {
                int size = classes.blockSize(c);
                long inUse = used[c] - cachedPerClass[c];
                rows.add(new SizeClassStats(c, size, pools[c], inUse, cachedPerClass[c], available[c]));
                allocatedBytes += inUse * size;
                cachedBytes += cachedPerClass[c] * size;
                availableBytes += available[c] * size;
            }
            long poolObjects = (long) arenas.size() * poolsPerArena;
            long heapBytes = poolObjects * 64 + arenas.size() * (96L + 4L * poolsPerArena);
            return new PoolStats(pageSource.name(), poolSize, config.arenaSizeBytes(), rows, arenasAllocatedTotal,
                    arenasReclaimed, arenasHighwater, arenas.size(), allocatedBytes, cachedBytes, availableBytes,
                    unusedPoolBytes, headers, quantization, alignment, heapBytes, poolsDiscarded, null, null);
        } finally {
            unlockAll();
        }
    }

    /**
     * Walks the whole structure and checks every invariant.
     *
     * @param cachedBlocks every block held in thread caches, per class (callers must be quiescent)
     * @throws HeapCorruptionException naming the first broken invariant
     */
    public void verify(long[][] cachedBlocks) {
        lockAll();
        try {
            verifyArenas();
            verifyDirtyList();
            Map<Pool, Integer> cachedPerPool = verifyCached(cachedBlocks);
            for (int c = 0; c < rings.length; c++) {
                verifyRing(c);
            }
            for (ArenaChunk arena : arenas.keySet()) {
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
            for (ArenaChunk a = buckets[k]; a != null; a = a.bucketNext) {
                check(a.freePoolCount == k, a + " sits in bucket " + k);
                check(arenas.containsKey(a), a + " is in a bucket but not open");
                check(a.bucketNext == null || a.bucketNext.bucketPrev == a, a + " has a broken bucket link");
                inBuckets++;
                if (k == a.pools.length) {
                    empty++;
                }
            }
        }
        check(inBuckets == arenas.size(), inBuckets + " arenas in buckets but " + arenas.size() + " open");
        check(empty <= 1, empty + " wholly empty arenas kept; at most one may be");
        List<ArenaChunk> sorted = new ArrayList<>(arenas.keySet());
        sorted.sort((a, b) -> Long.compareUnsigned(a.base, b.base));
        for (int i = 0; i < sorted.size(); i++) {
            ArenaChunk a = sorted.get(i);
            check(i == 0 || sorted.get(i - 1).end <= a.base, "arenas overlap: " + sorted.get(Math.max(0, i - 1))
                    + " and " + a);
            check(arenaMap.find(a.base) == a && arenaMap.find(a.end - 1) == a, "arena map does not find " + a);
            check(arenaMap.find(a.base - 1) != a && arenaMap.find(a.end) != a, "arena map over-extends " + a);
            int free = 0;
            for (Pool p = a.freePools; p != null; p = p.next) {
                check(p.arena == a && p.sizeClass < 0, p + " on the unused list of " + a);
                check(++free <= a.pools.length, "unused-pool list of " + a + " loops");
            }
            int unused = 0;
            for (Pool p : a.pools) {
                unused += p.sizeClass < 0 ? 1 : 0;
            }
            check(free == unused && unused == a.freePoolCount, a + ": " + free + " pools listed unused, " + unused
                    + " unused, count says " + a.freePoolCount);
        }
    }

    private void verifyDirtyList() {
        int n = 0;
        for (Pool p = dirtyHead; p != null; p = p.dirtyNext) {
            check(p.dirty && p.sizeClass < 0, p + " is on the resident-unused list but is not unused");
            check(p.dirtyNext != null ? p.dirtyNext.dirtyPrev == p : dirtyTail == p, p + " has a broken link");
            check(arenas.containsKey(p.arena), p + " is on the resident-unused list of a closed arena");
            check(++n <= dirtyCount, "resident-unused list is longer than its count " + dirtyCount);
        }
        check(n == dirtyCount, "resident-unused list holds " + n + " pools, count says " + dirtyCount);
        check(dirtyCount <= Math.max(maxDirtyPools, 0) || !discarding, dirtyCount
                + " unused pools resident, over the allowance of " + maxDirtyPools);
    }

    private Map<Pool, Integer> verifyCached(long[][] cachedBlocks) {
        Map<Pool, Integer> perPool = new IdentityHashMap<>();
        Map<Long, Boolean> seen = new HashMap<>();
        for (int c = 0; c < cachedBlocks.length; c++) {
            for (long block : cachedBlocks[c]) {
                ArenaChunk arena = arenaMap.find(block);
                check(arena != null, "cached block 0x" + Long.toHexString(block) + " lies in no arena");
                Pool pool = arena.pools[(int) ((block - arena.base) >>> poolShift)];
                check(pool.sizeClass == c, "cached block 0x" + Long.toHexString(block) + " of class " + c + " is in "
                        + pool);
                check((block - pool.address) % pool.blockSize == 0, "cached block 0x" + Long.toHexString(block)
                        + " is not a block start");
                check(!isLive(block), "cached block 0x" + Long.toHexString(block) + " is also marked live");
                check(seen.put(block, Boolean.TRUE) == null, "block 0x" + Long.toHexString(block)
                        + " is cached twice");
                perPool.merge(pool, 1, Integer::sum);
            }
        }
        return perPool;
    }

    private void verifyRing(int c) {
        Pool head = rings[c];
        if (head == null) {
            return;
        }
        Pool p = head;
        int steps = 0;
        do {
            check(p.sizeClass == c && p.inRing, p + " is in the ring of class " + c);
            check(p.next.prev == p, p + " has a broken ring link");
            check(p.hasFreeBlock() && p.claimant == null, p + " is full or claimed but in the ring");
            check(++steps <= arenas.size() * poolsPerArena, "ring of class " + c + " loops");
            p = p.next;
        } while (p != head);
    }

    private void verifyPool(Pool pool, int cached) {
        if (pool.sizeClass < 0) {
            check(cached == 0 && !pool.inRing && pool.claimant == null, pool
                    + " is unused but holds cached blocks, sits in a ring or is claimed");
            checkBitmapClear(pool);
            return;
        }
        check(pool.used > 0 || pool.claimant != null, pool + " serves a class with no block used and no claimant");
        check(pool.claimant == null || pool.claimant.activePools[pool.sizeClass] == pool, pool
                + " is claimed by a cache that does not carve from it");
        boolean belongsInRing = pool.claimant == null && pool.hasFreeBlock();
        check(pool.inRing == belongsInRing, pool + (pool.inRing ? " is in a ring but is full or claimed"
                : " has free blocks and no claimant but is not in its ring"));
        check(pool.carved <= pool.capacity, pool + " carved past its capacity");
        java.util.BitSet onFreeList = new java.util.BitSet(pool.capacity);
        int listed = 0;
        for (long b = pool.freeHead; b != 0; b = NativeMemory.getLong(b)) {
            long offset = b - pool.address;
            check(offset >= 0 && offset < (long) pool.carved * pool.blockSize && offset % pool.blockSize == 0,
                    pool + " free list holds 0x" + Long.toHexString(b) + ", not a carved block of it");
            int index = (int) (offset / pool.blockSize);
            check(!onFreeList.get(index), pool + " free list holds block " + index + " twice (or loops)");
            check(!isLive(b), pool + " free list holds live block 0x" + Long.toHexString(b));
            onFreeList.set(index);
            listed++;
        }
        int live = 0;
        for (int i = 0; i < pool.carved; i++) {
            live += isLive(pool.address + (long) i * pool.blockSize) ? 1 : 0;
        }
        int liveBits = 0;
        for (int w = 0; w < bitmapBytes; w += 8) {
            liveBits += Long.bitCount(NativeMemory.getLong(pool.address + poolSize - bitmapBytes + w));
        }
        check(liveBits == live, pool + " has " + liveBits + " live bits but " + live + " live block starts");
        check(pool.used == pool.carved - listed, pool + ": used " + pool.used + " but carved " + pool.carved
                + " minus " + listed + " on the free list");
        check(pool.used == live + cached, pool + ": used " + pool.used + " but " + live + " live and " + cached
                + " cached");
    }

    private void checkBitmapClear(Pool pool) {
        for (int w = 0; w < bitmapBytes; w += 8) {
            check(NativeMemory.getLong(pool.address + poolSize - bitmapBytes + w) == 0, pool
                    + " is unused but its bitmap marks live blocks");
        }
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new HeapCorruptionException(message);
        }
    }
}
