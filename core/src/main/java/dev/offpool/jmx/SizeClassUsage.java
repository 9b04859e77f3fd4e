package dev.offpool.jmx;

import dev.offpool.SizeClassStats;

/**
 * One size class as {@link AllocatorMXBean#getSizeClasses()} reports it: the figures of {@link SizeClassStats} and
 * the same in bytes, so a monitoring tool need not multiply.
 *
 * @param sizeClass       the class index, 0 for 16-byte blocks
 * @param blockSizeBytes  the block size
 * @param poolSizeBytes   the size of the pools that serve the class
 * @param pools           pools serving the class
 * @param blocksInUse     blocks held by callers
 * @param blocksCached    free blocks in thread caches
 * @param blocksAvailable free blocks in the class's pools
 * @param bytesInUse      {@code blocksInUse} times the block size
 * @param bytesCached     {@code blocksCached} times the block size
 * @param bytesAvailable  {@code blocksAvailable} times the block size
 */
public record SizeClassUsage(int sizeClass, int blockSizeBytes, int poolSizeBytes, int pools, long blocksInUse,
                             long blocksCached, long blocksAvailable, long bytesInUse, long bytesCached,
                             long bytesAvailable) {

    /** {@return the row of {@code stats}} */
    static SizeClassUsage of(SizeClassStats stats) {
        long block = stats.blockSizeBytes();
        return new SizeClassUsage(stats.sizeClass(), stats.blockSizeBytes(), stats.poolSizeBytes(), stats.pools(),
                stats.blocksInUse(), stats.blocksCached(), stats.blocksAvailable(), stats.blocksInUse() * block,
                stats.blocksCached() * block, stats.blocksAvailable() * block);
    }
}
