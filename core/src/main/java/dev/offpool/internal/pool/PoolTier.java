package dev.offpool.internal.pool;

import dev.offpool.HeapCorruptionException;
import dev.offpool.InvalidFreeException;
import dev.offpool.OccupancyMap;
import dev.offpool.SizeClassStats;
import dev.offpool.internal.Region;
import dev.offpool.internal.RegionMap;
import dev.offpool.internal.Requests;
import dev.offpool.internal.ReservedBytes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small and medium tiers: their size classes, one {@link PoolHeap} per pool size, the thread caches in front,
 * and the {@link PoolFastPath}. This class holds what the fast path leaves out: construction, the out-of-line free
 * (aligned blocks, diagnosis of bad frees), reallocate claims, pooled-arena blocks, and whole-tier operations.
 */
public final class PoolTier {
    /** State of a block held by a caller, for {@link PoolFastPath#allocate}. */
    public static final byte LIVE = BlockTable.LIVE;
    /** State of a block held by a caller who asked for an alignment above 16. */
    public static final byte LIVE_ALIGNED = BlockTable.LIVE_ALIGNED;
    /** State of a block held by an open pooled arena. */
    public static final byte ARENA = BlockTable.ARENA;

    private final SizeClasses classes;
    private final PoolHeap[] heaps;
    private final PoolHeap[] heapOf;
    private final ThreadCaches caches;
    private final PoolFastPath fastPath;
    private volatile boolean closed;

    /**
     * @param smallMaxBytes           the largest small (16-byte spaced) class
     * @param mediumMaxBytes          the largest medium class, the tier's top
     * @param smallPoolBytes          the pool size of the small classes
     * @param arenaBytes              the smallest arena size; a heap's arenas hold at least 8 pools
     * @param regions                 where arenas are registered
     * @param reservedBytes           the allocator's reservation count and page source
     * @param retainedUnusedPoolBytes bytes of unused pools each heap keeps resident before discarding the oldest
     * @param threadCacheBytes        the budget of one thread cache
     * @param virtualThreadStripes    caches shared by virtual threads
     * @param cacheTrimIntervalNanos  how long a cache may go untrimmed
     * @param scrubOnFree             clear every block as it is freed
     * @param unusedPoolDecayNanos    how long an unused pool keeps its pages before they are discarded
     */
    public PoolTier(int smallMaxBytes, int mediumMaxBytes, int smallPoolBytes, long arenaBytes, RegionMap regions,
                    ReservedBytes reservedBytes, long retainedUnusedPoolBytes, long threadCacheBytes,
                    int virtualThreadStripes, long cacheTrimIntervalNanos, boolean scrubOnFree,
                    long unusedPoolDecayNanos) {
        this.classes = new SizeClasses(smallMaxBytes, mediumMaxBytes, smallPoolBytes);
        Map<Integer, PoolHeap> byPoolSize = new LinkedHashMap<>();
        for (int poolSize : classes.poolSizes()) {
            // The small classes' heap takes the configured arena; a medium heap's arenas hold at least 8 pools.
            long arena = poolSize == smallPoolBytes ? arenaBytes : Math.max(arenaBytes, 8L * poolSize);
            byPoolSize.put(poolSize, new PoolHeap(classes, poolSize, arena, regions, reservedBytes,
                    retainedUnusedPoolBytes, unusedPoolDecayNanos));
        }
        this.heaps = byPoolSize.values().toArray(PoolHeap[]::new);
        this.heapOf = new PoolHeap[classes.count()];
        for (int c = 0; c < heapOf.length; c++) {
            heapOf[c] = byPoolSize.get(classes.poolSize(c));
        }
        this.caches = new ThreadCaches(classes, heapOf, heaps, threadCacheBytes, virtualThreadStripes,
                cacheTrimIntervalNanos);
        this.fastPath = new PoolFastPath(caches, regions, this, scrubOnFree);
    }

    /** {@return the fast path} */
    public PoolFastPath fastPath() {
        return fastPath;
    }

    /** {@return the size classes} */
    public SizeClasses classes() {
        return classes;
    }

    /** {@return the class for {@code byteSize}, or -1 above the tier} */
    int classFor(long byteSize) {
        return classes.classFor(byteSize);
    }

    /** {@return the thread caches} */
    public ThreadCaches caches() {
        return caches;
    }

    // ---------------------------------------------------------------------------------------------------------
    // The out-of-line free: aligned blocks, and every bad free with its diagnosis.
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Frees what the fast path could not: a block allocated with a large alignment, freed through a segment of any
     * size up to the block, or raw; everything else is rejected with the precise reason, and nothing changes.
     */
    void rejectFree(Pool pool, BlockTable table, long address, long segmentBytes, byte expected, String op) {
        int index = checkBlockStart(pool, table, address, op);
        while (true) {
            byte state = table.state(index);
            if (state == expected || state == BlockTable.LIVE_ALIGNED || state == BlockTable.RESIZED) {
                checkSegmentSize(table, index, state, address, segmentBytes, op);
                if (table.transition(index, state, BlockTable.FREE)) {
                    fastPath.give(table.sizeClass, scrubbed(pool, address, table));
                    return;
                }
                continue; // the state moved under us: look again
            }
            throw stateProblem(state, table, address, op);
        }
    }

    private static int checkBlockStart(Pool pool, BlockTable table, long address, String op) {
        if (table == null) {
            throw Requests.notAllocated(op, address, 0);
        }
        long offset = address - pool.address;
        int index = table.indexOf(offset);
        if (!table.isBlockStart(offset, index)) {
            int within = Math.min(index, table.capacity - 1);
            if (offset >= (long) table.capacity * table.blockSize) {
                throw new InvalidFreeException(op + " of " + Requests.hex(address) + ": it lies in the unused tail of "
                        + pool + ", not in a block");
            }
            throw Requests.interior(op, address, pool.address + (long) within * table.blockSize, table.blockSize);
        }
        return index;
    }

    private void checkSegmentSize(BlockTable table, int index, byte state, long address, long segmentBytes,
                                  String op) {
        if (segmentBytes < 0) {
            return;
        }
        boolean fits = switch (state) {
            case BlockTable.LIVE_ALIGNED -> segmentBytes >= 1 && segmentBytes <= table.blockSize;
            case BlockTable.RESIZED -> segmentBytes == table.resizedBytes()[index];
            default -> classes.classFor(segmentBytes) == table.sizeClass;
        };
        if (!fits) {
            String which = switch (state) {
                case BlockTable.LIVE_ALIGNED -> "";
                case BlockTable.RESIZED -> ", reallocated to " + table.resizedBytes()[index] + " bytes";
                default -> " (requests of " + (table.sizeClass == 0 ? 1 : classes.blockSize(table.sizeClass - 1) + 1)
                        + ".." + table.blockSize + " bytes)";
            };
            throw Requests.wrongSize(op, address, segmentBytes, "the block there is a " + table.blockSize
                    + "-byte block of class " + table.sizeClass + which);
        }
    }

    private static InvalidFreeException stateProblem(byte state, BlockTable table, long address, String op) {
        return switch (state) {
            case BlockTable.ARENA -> Requests.arenaBlock(op, address);
            case BlockTable.BUSY -> Requests.busy(op, address);
            default -> Requests.notAllocated(op, address, table.blockSize);
        };
    }

    // ---------------------------------------------------------------------------------------------------------
    // Reallocate claims and pooled-arena blocks.
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Takes the live block at {@code address} for a reallocate: from here no free or reallocate can take it until
     * the claim ends.
     *
     * @param segmentBytes the caller's segment size, or -1 on the raw path
     * @throws InvalidFreeException as a free of the same block would
     */
    public BlockClaim claim(Region region, long address, long segmentBytes) {
        Pool pool = ((PoolArena) region).poolAt(address);
        BlockTable table = pool.table;
        int index = checkBlockStart(pool, table, address, "reallocate");
        while (true) {
            byte state = table.state(index);
            if (state == BlockTable.LIVE || state == BlockTable.LIVE_ALIGNED || state == BlockTable.RESIZED) {
                checkSegmentSize(table, index, state, address, segmentBytes, "reallocate");
                if (table.transition(index, state, BlockTable.BUSY)) {
                    return new BlockClaim(pool, table, index, address, state);
                }
                continue;
            }
            throw stateProblem(state, table, address, "reallocate");
        }
    }

    /**
     * Ends a claim with the block kept where it is, now named only by segments of exactly {@code newByteSize}: the
     * segment it had before no longer frees it.
     */
    public void finishInPlace(BlockClaim claim, long newByteSize) {
        claim.table.resizedBytes()[claim.index] = (int) newByteSize;
        BlockTable.STATE.setVolatile(claim.table.states, claim.index, BlockTable.RESIZED);
    }

    /** Ends a claim with nothing changed (the reallocate failed). */
    public void unclaim(BlockClaim claim) {
        BlockTable.STATE.setVolatile(claim.table.states, claim.index, claim.previous);
    }

    /** Ends a claim by freeing the block (its contents moved elsewhere). */
    public void releaseClaimed(BlockClaim claim) {
        BlockTable.STATE.setVolatile(claim.table.states, claim.index, BlockTable.FREE);
        if (!closed) {
            fastPath.give(claim.table.sizeClass, fastPath.scrubsOnFree()
                    ? PoolFastPath.scrub(claim.pool, claim.address, claim.table.blockSize) : claim.address);
        }
    }

    private long scrubbed(Pool pool, long address, BlockTable table) {
        return fastPath.scrubsOnFree() ? PoolFastPath.scrub(pool, address, table.blockSize) : address;
    }

    /**
     * Frees a block a pooled arena held (state ARENA). After {@link #close()} the block is only marked free: its
     * memory went, or goes, with the heap.
     *
     * @throws InvalidFreeException if the block is not held by an arena (a bug in the arena, or memory corruption)
     */
    public void freeArenaBlock(Region region, long address) {
        Pool pool = ((PoolArena) region).poolAt(address);
        BlockTable table = pool.table;
        int index = checkBlockStart(pool, table, address, "arena free");
        if (!table.transition(index, BlockTable.ARENA, BlockTable.FREE)) {
            throw stateProblem(table.state(index), table, address, "arena free");
        }
        if (!closed) {
            fastPath.give(table.sizeClass, scrubbed(pool, address, table));
        }
    }

    /** {@return the block size of the held block at {@code address} in {@code region}, or -1 if there is none} */
    public long usableSize(Region region, long address) {
        Pool pool = ((PoolArena) region).poolAt(address);
        BlockTable table = pool.table;
        if (table == null) {
            return -1;
        }
        long offset = address - pool.address;
        int index = table.indexOf(offset);
        return table.isBlockStart(offset, index) && BlockTable.isHeld(table.state(index)) ? table.blockSize : -1;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Whole-tier operations.
    // ---------------------------------------------------------------------------------------------------------

    /** Hands back what can be handed back now (caches, empty arenas, unused pools' pages). */
    public void trim() {
        caches.sweep(true);
        for (PoolHeap heap : heaps) {
            heap.trim();
        }
    }

    /** Drains dead threads' caches and idle stripes: what a snapshot or a check wants swept first. */
    public void sweep() {
        caches.sweep(false);
    }

    /** Releases (or, where pooled arenas hold blocks, dooms) every arena. */
    public void close() {
        closed = true;
        for (PoolHeap heap : heaps) {
            heap.close();
        }
    }

    /** The tier's figures for {@code PoolStats}: per class rows and the byte accounting, summed over heaps. */
    public record Figures(List<SizeClassStats> rows, long arenasAllocatedTotal, long arenasReclaimed,
                          long arenasHighwater, long arenasCurrent, long bytesInArenas, long bytesInAllocatedBlocks,
                          long bytesInCachedBlocks, long bytesInAvailableBlocks, long bytesInUnusedPools,
                          long bytesLostToQuantization, long heapMetadataBytes, long poolsDiscarded,
                          long bytesInDiscardedPools) {
    }

    /**
     * {@return a snapshot} Each heap's counts are taken under all its locks; how many of a class's out-of-pool blocks
     * sit in thread caches rather than with callers is read from the caches in passing, clamped so the two never go
     * negative and always add up.
     */
    public Figures figures() {
        long[] cached = caches.cachedPerClass();
        int n = classes.count();
        List<SizeClassStats> rows = new ArrayList<>(n);
        long total = 0, reclaimed = 0, highwater = 0, current = 0, arenaBytes = 0, unused = 0, quantization = 0;
        long metadata = 0, discarded = 0, allocatedBytes = 0, cachedBytes = 0, availableBytes = 0;
        long discardedBytes = 0;
        int[] pools = new int[n];
        long[] used = new long[n];
        long[] available = new long[n];
        for (PoolHeap heap : heaps) {
            PoolHeap.Census census = heap.census();
            for (int c = 0; c < n; c++) {
                pools[c] += census.pools()[c];
                used[c] += census.used()[c];
                available[c] += census.available()[c];
            }
            total += census.arenasAllocatedTotal();
            reclaimed += census.arenasReclaimed();
            highwater += census.arenasHighwater();
            current += census.arenasCurrent();
            arenaBytes += census.arenaBytes();
            unused += census.bytesInUnusedPools();
            quantization += census.quantizationBytes();
            metadata += census.heapMetadataBytes();
            discarded += census.poolsDiscarded();
            discardedBytes += census.bytesInDiscardedPools();
        }
        for (int c = 0; c < n; c++) {
            int size = classes.blockSize(c);
            long inCaches = Math.min(cached[c], used[c]);
            long inUse = used[c] - inCaches;
            rows.add(new SizeClassStats(c, size, classes.poolSize(c), pools[c], inUse, inCaches, available[c]));
            allocatedBytes += inUse * size;
            cachedBytes += inCaches * size;
            availableBytes += available[c] * size;
        }
        return new Figures(rows, total, reclaimed, highwater, current, arenaBytes, allocatedBytes, cachedBytes,
                availableBytes, unused, quantization, metadata, discarded, discardedBytes);
    }

    /** {@return every arena of every heap, by address, each taken under its heap's locks} */
    public List<OccupancyMap.Arena> occupancy() {
        List<OccupancyMap.Arena> arenas = new ArrayList<>();
        for (PoolHeap heap : heaps) {
            arenas.addAll(heap.occupancy());
        }
        arenas.sort((a, b) -> Long.compareUnsigned(a.address(), b.address()));
        return arenas;
    }

    /**
     * Checks every heap's invariants and the caches against them. Call it while no other thread uses the allocator.
     *
     * @throws HeapCorruptionException naming the first broken invariant
     */
    public void verify() {
        long[][] cached = caches.cachedBlocks();
        for (PoolHeap heap : heaps) {
            heap.verify(cached);
        }
        long budget = caches.largestCacheBytes();
        for (int c = 0; c < cached.length; c++) {
            if (cached[c].length > 0 && !heapOf[c].serves(c)) {
                throw new HeapCorruptionException("blocks of class " + c + " cached for the wrong heap");
            }
        }
        if (budget < 0) {
            throw new HeapCorruptionException("a thread cache counts " + budget + " cached bytes");
        }
    }
}
