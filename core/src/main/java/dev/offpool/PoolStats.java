package dev.offpool;

import java.util.List;

/**
 * An immutable snapshot of one allocator, taken by {@link OffPool#stats()}, built whole.
 *
 * <h2>Byte accounting</h2>
 * It follows CPython's {@code sys._debugmallocstats()}: every byte of every pool arena is in exactly one of five
 * {@code bytes...} fields, so they add up to {@link #bytesInArenas()} exactly. There is no "pool headers" line:
 * offpool keeps pool headers and block states on the Java heap ({@link #heapMetadataBytes()}), so a pool holds
 * nothing but blocks; and no "arena alignment" line: arenas are reserved aligned to their size, so none is lost.
 *
 * <h2>Consistency under concurrent use</h2>
 * Each figure is taken under the locks of the structure it counts, so pools, arenas, chunks and their byte sums are
 * exact and add up even while other threads allocate. The one figure read in passing is how many of a class's
 * blocks sit in thread caches rather than with callers ({@link #bytesInCachedBlocks()} against
 * {@link #bytesInAllocatedBlocks()}, and the per-class {@code blocksCached}/{@code blocksInUse}): exact when the
 * allocator is quiet, otherwise approximate, never negative, and their sum is exact.
 *
 * @param pageSource              name of the page source arenas come from
 * @param reservedBytes           bytes reserved from the page source now, over all tiers
 * @param reservedBytesLimit      the reserved-bytes limit ({@link Long#MAX_VALUE} when unlimited)
 * @param sizeClasses             one row per size class, smallest first
 * @param arenasAllocatedTotal    pool arenas ever opened
 * @param arenasReclaimed         pool arenas released back to the page source
 * @param arenasHighwater         the sum, over pool sizes, of the most arenas of that size open at once
 * @param arenasCurrent           pool arenas open now
 * @param bytesInArenas           bytes of the pool arenas open now
 * @param bytesInAllocatedBlocks  block bytes held by callers (whole blocks, not requested sizes)
 * @param bytesInCachedBlocks     block bytes in thread caches
 * @param bytesInAvailableBlocks  free block bytes in used pools
 * @param bytesInUnusedPools      bytes of pools that serve no class (resident or discarded)
 * @param bytesLostToQuantization bytes at the end of used pools too small for another block
 * @param heapMetadataBytes       estimated Java-heap bytes of pool, arena and block-state bookkeeping (not in the sum)
 * @param poolsDiscarded          unused pools whose pages were handed back to the OS, ever (not in the sum: a
 *                                discarded pool is still an unused pool of its arena)
 * @param large                   the large tier: best fit inside large chunks
 * @param huge                    the huge tier: one mapping per block
 */
public record PoolStats(
        String pageSource,
        long reservedBytes,
        long reservedBytesLimit,
        List<SizeClassStats> sizeClasses,
        long arenasAllocatedTotal,
        long arenasReclaimed,
        long arenasHighwater,
        long arenasCurrent,
        long bytesInArenas,
        long bytesInAllocatedBlocks,
        long bytesInCachedBlocks,
        long bytesInAvailableBlocks,
        long bytesInUnusedPools,
        long bytesLostToQuantization,
        long heapMetadataBytes,
        long poolsDiscarded,
        LargeTierStats large,
        HugeTierStats huge) {

    /** Copies the list so the snapshot stays immutable. */
    public PoolStats {
        sizeClasses = List.copyOf(sizeClasses);
    }

    /** {@return the sum of the five byte categories; equal to {@link #bytesInArenas()}} */
    public long accountedBytes() {
        return bytesInAllocatedBlocks + bytesInCachedBlocks + bytesInAvailableBlocks + bytesInUnusedPools
                + bytesLostToQuantization;
    }

    /** {@return blocks held by callers, over all classes} */
    public long blocksInUse() {
        return sizeClasses.stream().mapToLong(SizeClassStats::blocksInUse).sum();
    }

    /** {@return the snapshot as a table in the style of {@code sys._debugmallocstats()}} */
    public String toTable() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("offpool: page source %s, %,d bytes reserved%s%n", pageSource, reservedBytes,
                reservedBytesLimit == Long.MAX_VALUE ? "" : String.format(" of a %,d-byte limit",
                        reservedBytesLimit)));
        out.append(String.format("%n%-6s %10s %10s %8s %14s %14s %14s%n", "class", "size", "pool size", "pools",
                "blocks in use", "cached", "avail blocks"));
        out.append("------ ---------- ---------- -------- -------------- -------------- --------------\n");
        for (SizeClassStats c : sizeClasses) {
            if (c.pools() == 0 && c.blocksCached() == 0) {
                continue;
            }
            out.append(String.format("%6d %10d %10d %8d %,14d %,14d %,14d%n", c.sizeClass(), c.blockSizeBytes(),
                    c.poolSizeBytes(), c.pools(), c.blocksInUse(), c.blocksCached(), c.blocksAvailable()));
        }
        out.append('\n');
        StatsLine.append(out, "# arenas allocated total", arenasAllocatedTotal);
        StatsLine.append(out, "# arenas reclaimed", arenasReclaimed);
        StatsLine.append(out, "# arenas highwater mark", arenasHighwater);
        StatsLine.append(out, "# arenas allocated current", arenasCurrent);
        StatsLine.append(out, "# bytes in arenas", bytesInArenas);
        out.append('\n');
        StatsLine.append(out, "# bytes in allocated blocks", bytesInAllocatedBlocks);
        StatsLine.append(out, "# bytes in thread caches", bytesInCachedBlocks);
        StatsLine.append(out, "# bytes in available blocks", bytesInAvailableBlocks);
        StatsLine.append(out, "# bytes in unused pools", bytesInUnusedPools);
        StatsLine.append(out, "# bytes lost to quantization", bytesLostToQuantization);
        StatsLine.append(out, "Total", accountedBytes());
        out.append('\n');
        StatsLine.append(out, "# Java-heap bytes of metadata", heapMetadataBytes);
        StatsLine.append(out, "# unused pools discarded to the OS", poolsDiscarded);
        out.append('\n').append(large.toTable());
        out.append("\nhuge tier (one mapping per block)\n");
        StatsLine.append(out, "# huge blocks live", huge.blocks());
        StatsLine.append(out, "# bytes mapped for them", huge.bytesMapped());
        StatsLine.append(out, "# bytes requested", huge.bytesRequested());
        StatsLine.append(out, "# huge blocks allocated total", huge.allocatedTotal());
        StatsLine.append(out, "# huge blocks freed total", huge.freedTotal());
        return out.toString();
    }
}
