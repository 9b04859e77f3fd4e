package dev.offpool.jmx;

import dev.offpool.HeapCorruptionException;
import dev.offpool.HugeTierStats;
import dev.offpool.LargeTierStats;
import dev.offpool.OffPool;
import dev.offpool.PoolStats;
import dev.offpool.SizeClassStats;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** The {@link AllocatorMXBean} of one allocator: every read is a fresh snapshot. */
final class AllocatorBean extends DescribedMBean implements AllocatorMXBean {
    private static final PoolStats CLOSED = new PoolStats("closed", 0, 0, List.of(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, new LargeTierStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), new HugeTierStats(0, 0, 0, 0, 0));

    private final OffPool pool;

    AllocatorBean(OffPool pool) {
        super(AllocatorMXBean.class);
        this.pool = pool;
    }

    /** {@return a fresh snapshot, or all zeros once the allocator is closed} */
    static PoolStats snapshot(OffPool pool) {
        if (pool.isClosed()) {
            return CLOSED;
        }
        try {
            return pool.stats();
        } catch (IllegalStateException closedMeanwhile) {
            return CLOSED;
        }
    }

    /** {@return bytes callers hold over all tiers: whole blocks, huge blocks as mapped} */
    static long bytesInUse(PoolStats s) {
        return s.bytesInAllocatedBlocks() + s.large().bytesInLiveBlocks() + s.huge().bytesMapped();
    }

    /** {@return blocks callers hold over all tiers} */
    static long blocksInUse(PoolStats s) {
        return s.blocksInUse() + s.large().liveBlocks() + s.huge().blocks();
    }

    @Override
    public String getName() {
        return pool.name();
    }

    @Override
    public String getPageSource() {
        return snapshot(pool).pageSource();
    }

    @Override
    public boolean isClosed() {
        return pool.isClosed();
    }

    @Override
    public long getReservedBytes() {
        return snapshot(pool).reservedBytes();
    }

    @Override
    public long getReservedBytesLimit() {
        long limit = snapshot(pool).reservedBytesLimit();
        return limit == Long.MAX_VALUE ? NO_LIMIT : limit;
    }

    @Override
    public long getResidentBytesAtMost() {
        return snapshot(pool).residentBytesAtMost();
    }

    @Override
    public long getBytesInUse() {
        return bytesInUse(snapshot(pool));
    }

    @Override
    public long getBlocksInUse() {
        return blocksInUse(snapshot(pool));
    }

    @Override
    public long getSmallThresholdBytes() {
        try {
            return pool.smallThresholdBytes();
        } catch (IllegalStateException closed) {
            return 0;
        }
    }

    @Override
    public long getPooledMaxBytes() {
        try {
            return pool.pooledMaxBytes();
        } catch (IllegalStateException closed) {
            return 0;
        }
    }

    @Override
    public long getArenasCurrent() {
        return snapshot(pool).arenasCurrent();
    }

    @Override
    public long getArenasAllocatedTotal() {
        return snapshot(pool).arenasAllocatedTotal();
    }

    @Override
    public long getArenasReclaimed() {
        return snapshot(pool).arenasReclaimed();
    }

    @Override
    public long getBytesInArenas() {
        return snapshot(pool).bytesInArenas();
    }

    @Override
    public long getBytesInAllocatedBlocks() {
        return snapshot(pool).bytesInAllocatedBlocks();
    }

    @Override
    public long getBytesInCachedBlocks() {
        return snapshot(pool).bytesInCachedBlocks();
    }

    @Override
    public long getBytesInAvailableBlocks() {
        return snapshot(pool).bytesInAvailableBlocks();
    }

    @Override
    public long getBytesInUnusedPools() {
        return snapshot(pool).bytesInUnusedPools();
    }

    @Override
    public long getBytesInDiscardedPools() {
        return snapshot(pool).bytesInDiscardedPools();
    }

    @Override
    public long getBytesLostToQuantization() {
        return snapshot(pool).bytesLostToQuantization();
    }

    @Override
    public long getHeapMetadataBytes() {
        return snapshot(pool).heapMetadataBytes();
    }

    @Override
    public SortedMap<Integer, SizeClassUsage> getSizeClasses() {
        SortedMap<Integer, SizeClassUsage> rows = new TreeMap<>();
        for (SizeClassStats row : snapshot(pool).sizeClasses()) {
            rows.put(row.blockSizeBytes(), SizeClassUsage.of(row));
        }
        return rows;
    }

    @Override
    public SortedMap<String, TierUsage> getTiers() {
        SortedMap<String, TierUsage> rows = new TreeMap<>();
        for (TierUsage tier : tiers()) {
            rows.put(tier.tier(), tier);
        }
        return rows;
    }

    private List<TierUsage> tiers() {
        PoolStats s = snapshot(pool);
        long smallMax = getSmallThresholdBytes();
        long smallBlocks = 0;
        long smallBytes = 0;
        long mediumBlocks = 0;
        long mediumBytes = 0;
        for (SizeClassStats row : s.sizeClasses()) {
            long bytes = row.blocksInUse() * row.blockSizeBytes();
            if (row.blockSizeBytes() <= smallMax) {
                smallBlocks += row.blocksInUse();
                smallBytes += bytes;
            } else {
                mediumBlocks += row.blocksInUse();
                mediumBytes += bytes;
            }
        }
        List<TierUsage> tiers = new ArrayList<>(4);
        tiers.add(new TierUsage("small", smallBlocks, smallBytes));
        tiers.add(new TierUsage("medium", mediumBlocks, mediumBytes));
        tiers.add(new TierUsage("large", s.large().liveBlocks(), s.large().bytesInLiveBlocks()));
        tiers.add(new TierUsage("huge", s.huge().blocks(), s.huge().bytesMapped()));
        return tiers;
    }

    @Override
    public LargeTierStats getLargeTier() {
        return snapshot(pool).large();
    }

    @Override
    public HugeTierStats getHugeTier() {
        return snapshot(pool).huge();
    }

    @Override
    public String trim() {
        PoolStats before = pool.stats();
        pool.trim();
        PoolStats after = pool.stats();
        return String.format("trimmed: reserved %,d -> %,d bytes, resident at most %,d -> %,d bytes",
                before.reservedBytes(), after.reservedBytes(), before.residentBytesAtMost(),
                after.residentBytesAtMost());
    }

    @Override
    public String verify() {
        try {
            pool.verify();
        } catch (HeapCorruptionException e) {
            throw new IllegalStateException("heap check failed: " + e.getMessage());
        }
        return "heap of " + pool.name() + " checked: every invariant holds";
    }

    @Override
    public String statsTable() {
        return pool.stats().toTable();
    }

    @Override
    public String writeOccupancyMap(String file) {
        Path path;
        try {
            path = Path.of(file).toAbsolutePath();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("not a path: " + e.getMessage());
        }
        var map = pool.occupancy();
        try (Writer out = Files.newBufferedWriter(path)) {
            map.writeHtml(out);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write " + path + ": " + e);
        }
        return path.toString();
    }
}
