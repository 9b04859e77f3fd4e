package dev.offpool.internal.pool;

import dev.offpool.internal.Region;
import dev.offpool.internal.RegionMap;
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
 * <p>Cost, measured on the build machine (JMH {@code AllocFreeBenchmark}, 64-byte blocks, one thread): see
 * docs/BENCHMARKS.md for the figure and its run; the parts are a {@code ThreadLocal} lookup each way (about 2 ns), one
 * compare-and-set (about 2.4 ns), the region lookup (a multiply and one or two probes), and the zeroing of the
 * requested bytes.
 */
public final class PoolFastPath {
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
        long entry = take(sizeClass);
        long block = entry & ~PoolHeap.KNOWN_ZERO;
        PoolArena arena = (PoolArena) regions.find(block);
        mark(arena, block, state);
        if ((entry & PoolHeap.KNOWN_ZERO) == 0) {
            Zeroing.zero(arena.memory, block - arena.base, byteSize);
        }
        return block;
    }

    /** As {@link #allocate}, returning the block as a segment of exactly {@code byteSize} bytes in the arena's scope. */
    public MemorySegment allocateSegment(int sizeClass, long byteSize, byte state) {
        long entry = take(sizeClass);
        long block = entry & ~PoolHeap.KNOWN_ZERO;
        PoolArena arena = (PoolArena) regions.find(block);
        mark(arena, block, state);
        long offset = block - arena.base;
        if ((entry & PoolHeap.KNOWN_ZERO) == 0) {
            Zeroing.zero(arena.memory, offset, byteSize);
        }
        return arena.memory.asSlice(offset, byteSize);
    }

    private static void mark(PoolArena arena, long block, byte state) {
        Pool pool = arena.poolAt(block);
        BlockTable table = pool.table;
        table.states[table.indexOf(block - pool.address)] = state;
    }

    private long take(int sizeClass) {
        if (!Thread.currentThread().isVirtual()) {
            ThreadCache cache = caches.local();
            long entry = cache.pop(sizeClass, caches.blockSize(sizeClass));
            return entry != 0 ? entry : caches.refillAndPop(cache, sizeClass);
        }
        return caches.takeShared(sizeClass);
    }

    /**
     * Frees the live block at {@code address} of {@code region} (a pool arena the caller looked up), whose segment,
     * when the caller has one, is {@code segmentBytes} long ({@code -1} on the raw path).
     *
     * @throws dev.offpool.InvalidFreeException if it is not a live block start, or the segment's size is not one
     *                                          this block's class can have; nothing changes then
     */
    public void free(Region region, long address, long segmentBytes) {
        Pool pool = ((PoolArena) region).poolAt(address);
        BlockTable table = pool.table;
        if (table != null) {
            long offset = address - pool.address;
            int index = table.indexOf(offset);
            if (table.isBlockStart(offset, index) && (segmentBytes < 0 || tier.classFor(segmentBytes)
                    == table.sizeClass) && table.transition(index, BlockTable.LIVE, BlockTable.FREE)) {
                give(table.sizeClass, scrubOnFree ? scrub(pool, address, table.blockSize) : address);
                return;
            }
        }
        tier.rejectFree(pool, table, address, segmentBytes, BlockTable.LIVE, "free");
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
