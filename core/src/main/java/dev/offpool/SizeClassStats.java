package dev.offpool;

/**
 * One size class in a {@link PoolStats} snapshot, as a row of CPython's {@code _debugmallocstats} table.
 *
 * @param sizeClass       the class index, 0 for 16-byte blocks
 * @param blockSizeBytes  the block size
 * @param pools           pools serving the class
 * @param blocksInUse     blocks held by callers (allocated and not yet freed)
 * @param blocksCached    free blocks sitting in thread caches, ready for their thread's next allocation
 * @param blocksAvailable free blocks in the class's pools, carved or not
 */
public record SizeClassStats(int sizeClass, int blockSizeBytes, int pools, long blocksInUse, long blocksCached,
                             long blocksAvailable) {
}
