package dev.offpool.jmx;

import dev.offpool.HugeTierStats;
import dev.offpool.LargeTierStats;
import dev.offpool.OffPool;
import dev.offpool.PoolStats;
import dev.offpool.SizeClassStats;

import java.util.SortedMap;

/**
 * One allocator's stats and maintenance operations, as {@code dev.offpool:type=Allocator,name=<name>} in an
 * {@link javax.management.MBeanServer}: what jconsole, VisualVM and JMX exporters read. Register it with
 * {@link OffPoolMBeans#register(OffPool)}.
 *
 * <p>Every attribute read takes a fresh {@link OffPool#stats()} snapshot (see {@link PoolStats} for what is exact
 * under concurrent use); the figures of one read are consistent with each other, two reads are two snapshots. Every
 * attribute and operation carries a description and, for figures, a unit (the descriptor's {@code units} field).
 * Per-row figures (size classes, tiers) are maps, which JMX shows as {@code TabularData} (a row per key, its value
 * a {@code CompositeData}) and Prometheus' JMX exporter turns into one series per row and figure with the key as
 * the {@code key} label (it drops arrays of {@code CompositeData}, what a list of records would be); the tier
 * records ({@link LargeTierStats}, {@link HugeTierStats}) are {@code CompositeData}, one item per record component.
 * Once the allocator is closed, every figure reads 0 (tables empty) and {@link #isClosed()} is true; the operations
 * throw {@link IllegalStateException}.
 */
@Described("One offpool allocator: its reserved, resident and in-use bytes, the byte accounting of CPython's "
        + "_debugmallocstats, per size class and per tier; trim, verify, the stats table and the occupancy map")
public interface AllocatorMXBean {
    /** The {@link #getReservedBytesLimit()} of an allocator without a limit. */
    long NO_LIMIT = -1;

    /** {@return the allocator's {@linkplain OffPool#name() name}} */
    @Described("The allocator's name: global, the builder's name, or pool-N")
    String getName();

    /** {@return the page source's name, such as {@code mmap}} */
    @Described("Where the allocator's memory comes from: mmap (native-bridge) or arena (the JDK's Arena.ofShared)")
    String getPageSource();

    /** {@return true once the allocator is closed} */
    @Described("True once the allocator is closed; every figure then reads 0")
    boolean isClosed();

    /** {@return bytes reserved from the page source, over all tiers} */
    @Described(value = "Bytes reserved from the page source, over all tiers", unit = "bytes")
    long getReservedBytes();

    /** {@return the reserved-bytes limit; {@value #NO_LIMIT} when there is none} */
    @Described(value = "The reserved-bytes limit; -1: no limit", unit = "bytes")
    long getReservedBytesLimit();

    /**
     * {@return reserved bytes less the unused pools' pages handed back to the OS, an upper bound on resident bytes:
     * see {@link PoolStats#residentBytesAtMost()}}
     */
    @Described(value = "Reserved bytes less the unused pools' pages handed back to the OS: an upper bound on the "
            + "allocator's resident memory", unit = "bytes")
    long getResidentBytesAtMost();

    /** {@return bytes of blocks callers hold, over all tiers: whole blocks, huge ones as mapped} */
    @Described(value = "Bytes of the blocks callers hold, over all tiers (whole blocks; huge blocks as mapped)",
            unit = "bytes")
    long getBytesInUse();

    /** {@return blocks callers hold, over all tiers} */
    @Described(value = "Blocks callers hold, over all tiers", unit = "blocks")
    long getBlocksInUse();

    /** {@return the largest request the small classes serve} */
    @Described(value = "The largest request the small (16-byte step) classes serve", unit = "bytes")
    long getSmallThresholdBytes();

    /** {@return the largest request the pooled (small and medium) classes serve} */
    @Described(value = "The largest request the pooled (small and medium) classes serve", unit = "bytes")
    long getPooledMaxBytes();

    /** {@return pool arenas open now} */
    @Described(value = "Pool arenas open now", unit = "arenas")
    long getArenasCurrent();

    /** {@return pool arenas ever opened} */
    @Described(value = "Pool arenas ever opened (a counter)", unit = "arenas")
    long getArenasAllocatedTotal();

    /** {@return pool arenas released to the page source} */
    @Described(value = "Pool arenas released to the page source (a counter)", unit = "arenas")
    long getArenasReclaimed();

    /** {@return bytes of the pool arenas open now} */
    @Described(value = "Bytes of the pool arenas open now: the sum of the five BytesIn... categories below",
            unit = "bytes")
    long getBytesInArenas();

    /** {@return block bytes held by callers in the pooled tiers} */
    @Described(value = "Block bytes held by callers in the pooled tiers", unit = "bytes")
    long getBytesInAllocatedBlocks();

    /** {@return block bytes sitting in thread caches} */
    @Described(value = "Free block bytes sitting in thread caches", unit = "bytes")
    long getBytesInCachedBlocks();

    /** {@return free block bytes in used pools} */
    @Described(value = "Free block bytes in used pools", unit = "bytes")
    long getBytesInAvailableBlocks();

    /** {@return bytes of pools serving no class} */
    @Described(value = "Bytes of pools serving no size class, resident or discarded", unit = "bytes")
    long getBytesInUnusedPools();

    /** {@return of those, bytes whose pages are handed back to the OS now} */
    @Described(value = "Of the unused pools' bytes, those whose pages are handed back to the OS now", unit = "bytes")
    long getBytesInDiscardedPools();

    /** {@return bytes at the end of used pools too small for another block} */
    @Described(value = "Bytes at the end of used pools too small for another block", unit = "bytes")
    long getBytesLostToQuantization();

    /** {@return estimated Java-heap bytes of the pool tiers' bookkeeping} */
    @Described(value = "Estimated Java-heap bytes of the pool tiers' bookkeeping (not in BytesInArenas)",
            unit = "bytes")
    long getHeapMetadataBytes();

    /**
     * {@return one row per size class keyed by its block size in bytes, smallest first: the figures of
     * {@link SizeClassStats} and the same in bytes}
     */
    @Described("One row per size class, keyed by its block size in bytes: class index, pool size, pools, blocks in "
            + "use, cached and available, and those in bytes")
    SortedMap<Integer, SizeClassUsage> getSizeClasses();

    /** {@return one row per tier ({@code huge}, {@code large}, {@code medium}, {@code small}): blocks and bytes} */
    @Described("One row per tier (small, medium, large, huge), keyed by the tier: blocksInUse and bytesInUse")
    SortedMap<String, TierUsage> getTiers();

    /** {@return the large tier's figures} */
    @Described("The large tier (best fit in large chunks): chunks, live and free blocks and bytes, fragmentation")
    LargeTierStats getLargeTier();

    /** {@return the huge tier's figures} */
    @Described("The huge tier (one mapping per block): blocks, bytes requested and mapped")
    HugeTierStats getHugeTier();

    /**
     * Runs {@link OffPool#trim()}: caches, empty arenas and unused pools' pages go back.
     *
     * @return the reserved and resident bytes before and after, in words
     * @throws IllegalStateException if the allocator is closed
     */
    @Described("Gives back what can be given back now (thread caches, empty arenas, unused pools' pages); returns "
            + "reserved and resident bytes before and after")
    String trim();

    /**
     * Runs {@link OffPool#verify()}. Its checks assume no other thread uses the allocator meanwhile: on a busy
     * application a block in flight between a cache and its pool can be reported as an inconsistency that is not one.
     *
     * @return a line saying the heap checked out
     * @throws IllegalStateException if the allocator is closed, or with the broken invariant's description if the
     *                               heap is corrupt (a JDK exception, so any JMX client can show it)
     */
    @Described("Checks every invariant of the heap; on a busy application a block in flight can show as a false "
            + "inconsistency")
    String verify();

    /**
     * {@return {@link PoolStats#toTable()} of a fresh snapshot}
     *
     * @throws IllegalStateException if the allocator is closed
     */
    @Described("The stats table, as _debugmallocstats prints it")
    String statsTable();

    /**
     * Writes the occupancy map ({@link OffPool#occupancy()}) as an HTML page to {@code file}, replacing it.
     *
     * @param file a path on the monitored JVM's machine
     * @return the absolute path written
     * @throws IllegalStateException    if the allocator is closed
     * @throws IllegalArgumentException if the file cannot be written (the message says why)
     */
    @Described("Writes the occupancy map of arenas and pools as an HTML page; returns its absolute path")
    String writeOccupancyMap(@Described(value = "A path on the monitored JVM's machine; the file is replaced",
            name = "file") String file);
}
