package dev.offpool.jmx;

import dev.offpool.HugeTierStats;
import dev.offpool.LargeTierStats;
import dev.offpool.OffPool;
import dev.offpool.PoolStats;
import dev.offpool.SizeClassStats;

import java.util.List;

/**
 * One allocator's stats and maintenance operations, as {@code dev.offpool:type=Allocator,name=<name>} in an
 * {@link javax.management.MBeanServer}: what jconsole, VisualVM and JMX exporters read. Register it with
 * {@link OffPoolMBeans#register(OffPool)}.
 *
 * <p>Every attribute read takes a fresh {@link OffPool#stats()} snapshot (see {@link PoolStats} for what is exact
 * under concurrent use); the figures of one read are consistent with each other, two reads are two snapshots. The
 * records ({@link SizeClassStats}, {@link TierUsage}, {@link LargeTierStats}, {@link HugeTierStats}) appear to JMX
 * clients as {@code CompositeData} with one item per record component. Once the allocator is closed, every figure
 * reads 0 (lists empty) and {@link #isClosed()} is true; the operations throw {@link IllegalStateException}.
 */
public interface AllocatorMXBean {
    /** {@return the allocator's {@linkplain OffPool#name() name}} */
    String getName();

    /** {@return the page source's name, such as {@code mmap}} */
    String getPageSource();

    /** {@return true once the allocator is closed} */
    boolean isClosed();

    /** {@return bytes reserved from the page source, over all tiers} */
    long getReservedBytes();

    /** {@return the reserved-bytes limit; {@link Long#MAX_VALUE} when unlimited} */
    long getReservedBytesLimit();

    /**
     * {@return reserved bytes less the unused pools' pages handed back to the OS, an upper bound on resident bytes:
     * see {@link PoolStats#residentBytesAtMost()}}
     */
    long getResidentBytesAtMost();

    /** {@return bytes of blocks callers hold, over all tiers: whole blocks, huge ones as mapped} */
    long getBytesInUse();

    /** {@return blocks callers hold, over all tiers} */
    long getBlocksInUse();

    /** {@return the largest request the small classes serve} */
    long getSmallThresholdBytes();

    /** {@return the largest request the pooled (small and medium) classes serve} */
    long getPooledMaxBytes();

    /** {@return pool arenas open now} */
    long getArenasCurrent();

    /** {@return pool arenas ever opened} */
    long getArenasAllocatedTotal();

    /** {@return pool arenas released to the page source} */
    long getArenasReclaimed();

    /** {@return bytes of the pool arenas open now} */
    long getBytesInArenas();

    /** {@return block bytes held by callers in the pooled tiers} */
    long getBytesInAllocatedBlocks();

    /** {@return block bytes sitting in thread caches} */
    long getBytesInCachedBlocks();

    /** {@return free block bytes in used pools} */
    long getBytesInAvailableBlocks();

    /** {@return bytes of pools serving no class} */
    long getBytesInUnusedPools();

    /** {@return of those, bytes whose pages are handed back to the OS now} */
    long getBytesInDiscardedPools();

    /** {@return bytes at the end of used pools too small for another block} */
    long getBytesLostToQuantization();

    /** {@return estimated Java-heap bytes of the pool tiers' bookkeeping} */
    long getHeapMetadataBytes();

    /** {@return one row per size class, smallest first, as in the stats table} */
    List<SizeClassStats> getSizeClasses();

    /** {@return blocks and bytes in use per tier: small, medium, large, huge} */
    List<TierUsage> getTiers();

    /** {@return the large tier's figures} */
    LargeTierStats getLargeTier();

    /** {@return the huge tier's figures} */
    HugeTierStats getHugeTier();

    /**
     * Runs {@link OffPool#trim()}: caches, empty arenas and unused pools' pages go back.
     *
     * @return the reserved and resident bytes before and after, in words
     * @throws IllegalStateException if the allocator is closed
     */
    String trim();

    /**
     * Runs {@link OffPool#verify()}. Its checks assume no other thread uses the allocator meanwhile: on a busy
     * application a block in flight between a cache and its pool can be reported as an inconsistency that is not one.
     *
     * @return a line saying the heap checked out
     * @throws IllegalStateException if the allocator is closed, or with the broken invariant's description if the
     *                               heap is corrupt (a JDK exception, so any JMX client can show it)
     */
    String verify();

    /**
     * {@return {@link PoolStats#toTable()} of a fresh snapshot}
     *
     * @throws IllegalStateException if the allocator is closed
     */
    String statsTable();

    /**
     * Writes the occupancy map ({@link OffPool#occupancy()}) as an HTML page to {@code file}, replacing it.
     *
     * @param file a path on the monitored JVM's machine
     * @return the absolute path written
     * @throws IllegalStateException    if the allocator is closed
     * @throws IllegalArgumentException if the file cannot be written (the message says why)
     */
    String writeOccupancyMap(String file);
}
