package dev.offpool;

/**
 * One size class in a {@link PoolStats} snapshot, as a row of CPython's {@code _debugmallocstats} table.
 *
 * @param sizeClass       the class index, 0 for 16-byte blocks; small classes (16-byte steps) come first, then the
 *                        medium ones (eight per power of two)
 * @param blockSizeBytes  the block size
 * @param poolSizeBytes   the size of the pools that serve the class
 * @param pools           pools serving the class
 * @param blocksInUse     blocks held by callers (allocated and not yet freed), pooled arenas included
 * @param blocksCached    free blocks sitting in thread caches, ready for their thread's next allocation
 * @param blocksAvailable free blocks in the class's pools, carved or not
 */
public record SizeClassStats(int sizeClass, int blockSizeBytes, int poolSizeBytes, int pools, long blocksInUse,
                             long blocksCached, long blocksAvailable) {
}
