package dev.offpool.internal;

import dev.offpool.spi.PageSource;

/**
 * The validated constants of one allocator. Built by {@code OffPool.Builder}; every field is checked there, so the
 * heap can rely on the relations documented here.
 *
 * @param poolSizeBytes       a power of two, at least 4 KiB; one pool serves one size class
 * @param arenaSizeBytes      a power of two multiple of the pool size (at least two pools); one page-source chunk
 * @param smallMaxBytes       the largest small request, a multiple of {@link SizeClasses#QUANTUM_BYTES}, at most
 *                            half a pool
 * @param maxReservedBytes    the cap on bytes reserved from the page source
 * @param threadCacheBytes    the cap on bytes one thread (or one virtual-thread stripe) keeps cached
 * @param virtualThreadStripes a power of two: the number of caches shared by virtual threads
 * @param cacheTrimIntervalNanos how long a cache may go before its owner hands half of it back
 * @param pageSource          where arena memory comes from
 * @param retainedUnusedPoolBytes how many bytes of unused pools may keep their pages before the oldest are
 *                            discarded (hysteresis against a syscall per pool at a pool boundary)
 * @param maxAllocationBytes  the largest single request, in any tier
 * @param largeMaxBytes       the largest request of the best-fit large tier
 * @param largeChunkBytes     the size of the large tier's chunks
 */
public record HeapConfig(
        int poolSizeBytes,
        long arenaSizeBytes,
        int smallMaxBytes,
        long maxReservedBytes,
        long threadCacheBytes,
        int virtualThreadStripes,
        long cacheTrimIntervalNanos,
        PageSource pageSource,
        long retainedUnusedPoolBytes,
        long maxAllocationBytes,
        long largeMaxBytes,
        long largeChunkBytes) {

    /** {@return pools in one arena} */
    public int poolsPerArena() {
        return (int) (arenaSizeBytes / poolSizeBytes);
    }

    /** {@return log2 of the pool size, the shift from an address to its pool} */
    public int poolShift() {
        return Integer.numberOfTrailingZeros(poolSizeBytes);
    }

    /** {@return log2 of the arena size, the shift from an address to its arena-map key} */
    public int arenaShift() {
        return Long.numberOfTrailingZeros(arenaSizeBytes);
    }
}
