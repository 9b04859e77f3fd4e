package dev.offpool;

import java.util.List;

/**
 * An immutable snapshot of one allocator, taken by {@link OffPool#stats()}.
 *
 * <p>The byte accounting follows CPython's {@code sys._debugmallocstats()}: every byte of every arena is in exactly
 * one of the seven {@code bytes...} fields, so they add up to {@link #arenaBytes()} exactly. Pool headers are the
 * live-block bitmaps at each used pool's tail; the rest of a pool's header lives on the Java heap and is counted,
 * apart from the arenas, in {@link #heapMetadataBytes()}.
 *
 * @param pageSource                 name of the page source arenas come from
 * @param poolSizeBytes              pool size
 * @param arenaSizeBytes             arena size
 * @param sizeClasses                one row per size class, smallest first
 * @param arenasAllocatedTotal       arenas ever opened
 * @param arenasReclaimed            arenas released back to the page source
 * @param arenasHighwater            the most arenas open at once
 * @param arenasCurrent              arenas open now
 * @param bytesInAllocatedBlocks     block bytes held by callers (whole blocks, not requested sizes)
 * @param bytesInCachedBlocks        block bytes in thread caches
 * @param bytesInAvailableBlocks     free block bytes in used pools
 * @param bytesInUnusedPools         bytes of pools that serve no class
 * @param bytesInPoolHeaders         bytes of used pools' bitmaps
 * @param bytesLostToQuantization    bytes at the tail of used pools too small for another block
 * @param bytesLostToArenaAlignment  bytes of arena chunks outside whole pools
 * @param heapMetadataBytes          estimated Java-heap bytes of pool and arena bookkeeping (not in the sum)
 * @param poolsDiscarded             unused pools whose pages were handed back to the OS, ever (not in the sum: a
 *                                   discarded pool is still an unused pool of its arena)
 * @param large                      the large tier: best fit inside large chunks
 * @param huge                       the huge tier: one mapping per block
 */
public record PoolStats(
        String pageSource,
        int poolSizeBytes,
        long arenaSizeBytes,
        List<SizeClassStats> sizeClasses,
        long arenasAllocatedTotal,
        long arenasReclaimed,
        long arenasHighwater,
        long arenasCurrent,
        long bytesInAllocatedBlocks,
        long bytesInCachedBlocks,
        long bytesInAvailableBlocks,
        long bytesInUnusedPools,
        long bytesInPoolHeaders,
        long bytesLostToQuantization,
        long bytesLostToArenaAlignment,
        long heapMetadataBytes,
        long poolsDiscarded,
        LargeTierStats large,
        HugeTierStats huge) {

    /** Copies the list so the snapshot stays immutable. */
    public PoolStats {
        sizeClasses = List.copyOf(sizeClasses);
    }

    /** {@return a copy with the other tiers' figures set} */
    PoolStats withTiers(LargeTierStats largeStats, HugeTierStats hugeStats) {
        return new PoolStats(pageSource, poolSizeBytes, arenaSizeBytes, sizeClasses, arenasAllocatedTotal,
                arenasReclaimed, arenasHighwater, arenasCurrent, bytesInAllocatedBlocks, bytesInCachedBlocks,
                bytesInAvailableBlocks, bytesInUnusedPools, bytesInPoolHeaders, bytesLostToQuantization,
                bytesLostToArenaAlignment, heapMetadataBytes, poolsDiscarded, largeStats, hugeStats);
    }

    /** {@return bytes reserved in arenas: {@code arenasCurrent * arenaSizeBytes}} */
    public long arenaBytes() {
        return arenasCurrent * arenaSizeBytes;
    }

    /** {@return the sum of the seven byte categories; equal to {@link #arenaBytes()} for a consistent snapshot} */
    public long accountedBytes() {
        return bytesInAllocatedBlocks + bytesInCachedBlocks + bytesInAvailableBlocks + bytesInUnusedPools
                + bytesInPoolHeaders + bytesLostToQuantization + bytesLostToArenaAlignment;
    }

    /** {@return blocks held by callers, over all classes} */
    public long blocksInUse() {
        return sizeClasses.stream().mapToLong(SizeClassStats::blocksInUse).sum();
    }

    /** {@return the snapshot as a table in the style of {@code sys._debugmallocstats()}} */
    public String toTable() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("offpool: %d-byte pools in %d-byte arenas, page source %s%n", poolSizeBytes,
                arenaSizeBytes, pageSource));
        out.append(String.format("%n%-6s %10s %8s %14s %14s %14s%n", "class", "size", "pools", "blocks in use",
                "cached", "avail blocks"));
        out.append("------ ---------- -------- -------------- -------------- --------------\n");
        for (SizeClassStats c : sizeClasses) {
            if (c.pools() == 0 && c.blocksCached() == 0) {
                continue;
            }
            out.append(String.format("%6d %10d %8d %,14d %,14d %,14d%n", c.sizeClass(), c.blockSizeBytes(),
                    c.pools(), c.blocksInUse(), c.blocksCached(), c.blocksAvailable()));
        }
        out.append('\n');
        StatsLine.append(out, "# arenas allocated total", arenasAllocatedTotal);
        StatsLine.append(out, "# arenas reclaimed", arenasReclaimed);
        StatsLine.append(out, "# arenas highwater mark", arenasHighwater);
        StatsLine.append(out, "# arenas allocated current", arenasCurrent);
        StatsLine.append(out, arenasCurrent + " arenas * " + arenaSizeBytes + " bytes/arena", arenaBytes());
        out.append('\n');
        StatsLine.append(out, "# bytes in allocated blocks", bytesInAllocatedBlocks);
        StatsLine.append(out, "# bytes in thread caches", bytesInCachedBlocks);
        StatsLine.append(out, "# bytes in available blocks", bytesInAvailableBlocks);
        StatsLine.append(out, "# bytes in unused pools", bytesInUnusedPools);
        StatsLine.append(out, "# bytes lost to pool headers", bytesInPoolHeaders);
        StatsLine.append(out, "# bytes lost to quantization", bytesLostToQuantization);
        StatsLine.append(out, "# bytes lost to arena alignment", bytesLostToArenaAlignment);
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
