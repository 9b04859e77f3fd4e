package dev.offpool.internal;

import dev.offpool.spi.PageSource;

/**
 * The validated constants of one allocator. Built by {@code OffPool.Builder}; every field is checked there, so the
 * heap can rely on the relations documented here.
 *
 * @param poolSizeBytes           a power of two, 4 KiB..16 MiB: the pool size of the small classes
 * @param arenaSizeBytes          a power of two holding at least two pools: the smallest arena, and the granule of
 *                                the region map
 * @param smallMaxBytes           the largest small (16-byte spaced) class, a multiple of 16, at most a quarter pool
 * @param mediumMaxBytes          the largest medium class (1/8 spaced), a multiple of 16, at least
 *                                {@code smallMaxBytes}
 * @param maxReservedBytes        the cap on bytes reserved from the page source
 * @param threadCacheBytes        the cap on bytes one thread (or one virtual-thread stripe) keeps cached
 * @param virtualThreadStripes    a power of two: the number of caches shared by virtual threads
 * @param cacheTrimIntervalNanos  how long a cache may go before its owner hands half of it back
 * @param pageSource              where arena memory comes from
 * @param retainedUnusedPoolBytes how many bytes of unused pools may keep their pages before the oldest are
 *                                discarded (hysteresis against a syscall per pool at a pool boundary)
 * @param maxAllocationBytes      the largest single request, in any tier
 * @param largeMaxBytes           the largest request of the best-fit large tier
 * @param largeChunkBytes         the size of the large tier's chunks
 * @param scrubOnFree             clear every block as it is freed
 * @param checked                 checked mode: guards, fill patterns, use-after-free at the access, quarantine
 * @param quarantineBytes         in checked mode, how many bytes of freed blocks stay out of use
 * @param recordStackTraces       in checked mode, capture where every block was allocated and freed
 * @param unusedPoolDecayNanos    how long an unused pool keeps its pages before they are discarded
 */
public record HeapConfig(
        int poolSizeBytes,
        long arenaSizeBytes,
        int smallMaxBytes,
        int mediumMaxBytes,
        long maxReservedBytes,
        long threadCacheBytes,
        int virtualThreadStripes,
        long cacheTrimIntervalNanos,
        PageSource pageSource,
        long retainedUnusedPoolBytes,
        long maxAllocationBytes,
        long largeMaxBytes,
        long largeChunkBytes,
        boolean scrubOnFree,
        boolean checked,
        long quarantineBytes,
        boolean recordStackTraces,
        long unusedPoolDecayNanos) {

    /** {@return log2 of the arena size: the region map's granule} */
    public int arenaShift() {
        return Long.numberOfTrailingZeros(arenaSizeBytes);
    }
}
