package dev.offpool.internal.pool;

import dev.offpool.internal.Region;
import dev.offpool.internal.RegionMap;
import dev.offpool.internal.Requests;
import dev.offpool.internal.Zeroing;

import java.lang.foreign.MemorySegment;

/**
 * The pooled tiers' hot path, whole: allocate and free of a small or medium block, the thread-cache pop and push,
 * and the block-state check that catches double frees. Everything else is the slow path, named where it is called:
 * {@link ThreadCaches#refillAndPop} and {@link ThreadCaches#spillAndPush} (one locked batch per half stack, in
 * {@link PoolHeap}), {@link ThreadCaches#takeShared}/{@link ThreadCaches#giveShared} for virtual threads, and
 * {@link PoolTier#rejectFree} for anything that is not a plain free of a live block.
 *
 * <pre>
 * allocate(class):  cache = thread's cache;  entry = pop  (empty: refillAndPop)
 *                   region lookup, pool, block index (multiply-shift)
 *                   state[index] = LIVE                                     plain store: the block is ours alone
 *                   zero the requested bytes unless the entry says known-zero
 * free(address):    region lookup (done by the caller), pool, block index, start check
 *                   CAS state[index] LIVE -&gt; FREE                           the one locked instruction per pair
 *                   push on the thread's cache (full: spillAndPush)
 * </pre>
 *
 * <p>Cost, measured on the build machine (JMH {@code AllocFreeBenchmark}, 64-byte blocks, one thread; runs A and D
 * of docs/BENCHMARKS.md): 21 to 23 ns per raw allocate + free, against jemalloc's {@code calloc} + {@code free} at
 * 10 ns. The parts: the thread's cache through a slot array by thread id (two loads and a compare; the
 * {@code ThreadLocal} behind it only on a miss), one compare-and-set on free (about 1.8 ns over a plain store,
 * {@code SafetyCostBenchmark}), the region lookup (skipped for the claimed pool and the arena last freed into), and
 * the zeroing of the requested bytes. The slow paths are {@code ThreadCaches.refillAndPop} and
 * {@code ThreadCaches.spillAndPush}.
 */
public final class PoolFastPath {
    private static final MemorySegment.Scope GLOBAL_SCOPE = MemorySegment.NULL.scope();

    private final ThreadCaches caches;
    private final RegionMap regions;
    private final PoolTier tier;
    /** Clear every block as it is freed (and hand it on as known-zero), so no data outlives its free. */
    private final boolean scrubOnFree;

    PoolFastPath(ThreadCaches caches, RegionMap regions, PoolTier tier, boolean scrubOnFree) {
        this.caches = caches;
        this.regions = regions;
        this.tier = tier;
        this.scrubOnFree = scrubOnFree;
    }

    /**
     * Allocates a block of class {@code sizeClass}, zeroes its first {@code byteSize} bytes (none for an
     * uninitialized request) and marks it {@code state}.
     *
     * @return the block's address
     * @throws dev.offpool.OutOfPoolMemoryException if a refill needs an arena and none can be had
     * @throws IllegalStateException                 if the heap was closed under the caller
     */
    public long allocate(int sizeClass, long byteSize, byte state) {
        if (Thread.currentThread().isVirtual()) {
            return allocateShared(sizeClass, byteSize, state);
        }
        ThreadCache cache = caches.local();
        long entry = cache.pop(sizeClass, caches.blockSize(sizeClass));
        if (entry == 0) {
            entry = caches.refillAndPop(cache, sizeClass);
        }
        long block = entry & ~PoolHeap.KNOWN_ZERO;
        Pool pool = poolOf(cache, sizeClass, block);
        BlockTable table = pool.table;
        table.states[table.indexOf(block - pool.address)] = state;
        if ((entry & PoolHeap.KNOWN_ZERO) == 0) {
            Zeroing.zero(pool.arena.memory, block - pool.arena.base, byteSize);
        }
        return block;
    }

    /** As {@link #allocate}, returning the block as a segment of exactly {@code byteSize} bytes in the arena's scope. */
    public MemorySegment allocateSegment(int sizeClass, long byteSize, byte state) {
        if (Thread.currentThread().isVirtual()) {
            long block = allocateShared(sizeClass, byteSize, state);
            PoolArena arena = arenaOf(block);
            return arena.memory.asSlice(block - arena.base, byteSize);
        }
        ThreadCache cache = caches.local();
        long entry = cache.pop(sizeClass, caches.blockSize(sizeClass));
        if (entry == 0) {
            entry = caches.refillAndPop(cache, sizeClass);
        }
        long block = entry & ~PoolHeap.KNOWN_ZERO;
        Pool pool = poolOf(cache, sizeClass, block);
        BlockTable table = pool.table;
        table.states[table.indexOf(block - pool.address)] = state;
        long offset = block - pool.arena.base;
        if ((entry & PoolHeap.KNOWN_ZERO) == 0) {
            Zeroing.zero(pool.arena.memory, offset, byteSize);
        }
        return pool.arena.memory.asSlice(offset, byteSize);
    }

    // The pool of a block just popped: most come from the pool the thread's cache carves from (a claimed pool, whose
    // arena cannot be released while claimed), which saves the region lookup; any other is looked up.
    private Pool poolOf(ThreadCache cache, int sizeClass, long block) {
        Pool claimed = cache.activePools[sizeClass];
        if (claimed != null && Long.compareUnsigned(block - claimed.address, claimed.arena.poolBytes) < 0) {
            return claimed;
        }
        return arenaOf(block).poolAt(block);
    }

    // The arena of a block this thread holds: only close() can have removed it since.
    private PoolArena arenaOf(long block) {
        if (regions.find(block) instanceof PoolArena arena) {
            return arena;
        }
        throw Requests.closed();
    }

    /** A virtual thread's allocation: from its stripe, under the stripe's lock. */
    private long allocateShared(int sizeClass, long byteSize, byte state) {
        long entry = caches.takeShared(sizeClass);
        long block = entry & ~PoolHeap.KNOWN_ZERO;
        Pool pool = arenaOf(block).poolAt(block);
        BlockTable table = pool.table;
        table.states[table.indexOf(block - pool.address)] = state;
        if ((entry & PoolHeap.KNOWN_ZERO) == 0) {
            Zeroing.zero(pool.arena.memory, block - pool.arena.base, byteSize);
        }
        return block;
    }

    /**
     * Frees {@code address} if it lies in a pool arena: the block must be a live block start, and the segment that
     * named it, when the caller has one, {@code segmentBytes} long ({@code -1} on the raw path) and of the arena's
     * scope or the global one ({@code segmentScope}, null on the raw path).
     *
     * @return false if the address lies in no pool arena (another tier's, or nobody's), or the segment's scope is
     *         neither: nothing was done, and the caller's full check says why
     * @throws dev.offpool.InvalidFreeException if it lies in a pool arena but is not a live block start, or the
     *                                          segment's size is not one this block can have; nothing changes then
     */
    public boolean free(long address, long segmentBytes, MemorySegment.Scope segmentScope) {
        if (Thread.currentThread().isVirtual()) {
            return freeShared(address, segmentBytes, segmentScope);
        }
        ThreadCache cache = caches.local();
        PoolArena arena = cache.lastFreedArena;
        if (arena == null || !arena.contains(address) || arena.isReleased()) {
            if (!(regions.find(address) instanceof PoolArena found)) {
                return false;
            }
            arena = found;
            cache.lastFreedArena = found;
        }
        if (segmentScope != null && segmentScope != arena.scope && segmentScope != GLOBAL_SCOPE) {
            return false;
        }
        Pool pool = arena.poolAt(address);
        BlockTable table = pool.table;
        if (table != null) {
            long offset = address - pool.address;
            int index = table.indexOf(offset);
            if (table.isBlockStart(offset, index) && (segmentBytes < 0 || tier.classFor(segmentBytes)
                    == table.sizeClass) && table.transition(index, BlockTable.LIVE, BlockTable.FREE)) {
                long entry = scrubOnFree ? scrub(pool, address, table.blockSize) : address;
                int blockSize = table.blockSize;
                if (!cache.push(table.sizeClass, blockSize, entry)) {
                    caches.spillAndPush(cache, table.sizeClass, entry);
                }
                return true;
            }
        }
        tier.rejectFree(pool, table, address, segmentBytes, BlockTable.LIVE, "free");
        return true;
    }

    private boolean freeShared(long address, long segmentBytes, MemorySegment.Scope segmentScope) {
        if (!(regions.find(address) instanceof PoolArena arena)
                || (segmentScope != null && segmentScope != arena.scope && segmentScope != GLOBAL_SCOPE)) {
            return false;
        }
        Pool pool = arena.poolAt(address);
        BlockTable table = pool.table;
        if (table != null) {
            long offset = address - pool.address;
            int index = table.indexOf(offset);
            if (table.isBlockStart(offset, index) && (segmentBytes < 0 || tier.classFor(segmentBytes)
                    == table.sizeClass) && table.transition(index, BlockTable.LIVE, BlockTable.FREE)) {
                caches.giveShared(table.sizeClass, scrubOnFree ? scrub(pool, address, table.blockSize) : address);
                return true;
            }
        }
        tier.rejectFree(pool, table, address, segmentBytes, BlockTable.LIVE, "free");
        return true;
    }

    /** Clears a block just freed; {@return its address flagged known-zero} Only with scrub-on-free. */
    static long scrub(Pool pool, long address, int blockSize) {
        Zeroing.zero(pool.arena.memory, address - pool.arena.base, blockSize);
        return address | PoolHeap.KNOWN_ZERO;
    }

    /** {@return true if freed blocks are scrubbed} */
    boolean scrubsOnFree() {
        return scrubOnFree;
    }

    /** Puts a block whose state has just become FREE on the calling thread's cache. */
    void give(int sizeClass, long block) {
        if (!Thread.currentThread().isVirtual()) {
            ThreadCache cache = caches.local();
            if (!cache.push(sizeClass, caches.blockSize(sizeClass), block)) {
                caches.spillAndPush(cache, sizeClass, block);
            }
            return;
        }
        caches.giveShared(sizeClass, block);
    }
}
