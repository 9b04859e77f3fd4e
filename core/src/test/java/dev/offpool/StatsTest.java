package dev.offpool;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsTest {
    private static final int BLOCKS_PER_POOL = 4096 / 512;

    @Test
    void statsBytesAddUpToArenaBytesExactly() {
        try (OffPool pool = OffPool.builder().build()) {
            SplittableRandom random = new SplittableRandom(1);
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 30_000; i++) {
                blocks.add(pool.allocateAddress(1 + random.nextInt(512)));
                if (random.nextInt(3) == 0) {
                    pool.freeAddress(blocks.remove(random.nextInt(blocks.size())));
                }
            }
            PoolStats stats = pool.stats();
            assertEquals(stats.bytesInArenas(), stats.accountedBytes(), stats.toTable());
            assertEquals(blocks.size(), stats.blocksInUse());
            assertTrue(stats.bytesLostToQuantization() > 0, stats.toTable());
            long perClassBytes = stats.sizeClasses().stream()
                    .mapToLong(c -> c.blocksInUse() * c.blockSizeBytes()).sum();
            assertEquals(stats.bytesInAllocatedBlocks(), perClassBytes);
            String table = stats.toTable();
            assertTrue(table.contains("# bytes lost to quantization") && table.contains("Total"), table);
        }
    }

    @Test
    void wholeEmptyArenaIsReleasedButOneIsKept() {
        try (OffPool pool = OffPool.builder().threadCacheBytes(0).arenaSizeBytes(64 * 1024).build()) {
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 2000; i++) { // 2000 * 512 B: about 17 arenas of 64 KiB
                blocks.add(pool.allocateAddress(512));
            }
            long opened = pool.stats().arenasCurrent();
            assertTrue(opened > 10, "arenas: " + opened);
            blocks.forEach(pool::freeAddress);
            PoolStats stats = pool.stats();
            assertEquals(1, stats.arenasCurrent(), "one empty arena is kept against thrashing");
            assertEquals(opened - 1, stats.arenasReclaimed());
            assertEquals(opened, stats.arenasHighwater());
            pool.verify();
        }
    }

    @Test
    void fullestArenaIsPreferredForNewPools() {
        try (OffPool pool = OffPool.builder().threadCacheBytes(0).arenaSizeBytes(64 * 1024).poolSizeBytes(4096)
                .smallMaxBytes(512).build()) {
            // Fill three arenas of 16 pools with one 512-byte class (8 blocks a pool: headers live on the Java heap).
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 3 * 16 * BLOCKS_PER_POOL; i++) {
                blocks.add(pool.allocateAddress(512));
            }
            assertEquals(3, pool.stats().arenasCurrent());
            // Empty 8 pools of the first arena's and 2 pools of the second's: the second is now the fuller one.
            List<Long> firstArena = blocks.subList(0, 16 * BLOCKS_PER_POOL);
            List<Long> secondArena = blocks.subList(16 * BLOCKS_PER_POOL, 32 * BLOCKS_PER_POOL);
            long secondLow = secondArena.stream().mapToLong(Long::longValue).min().orElseThrow() & -4096L;
            long secondHigh = secondArena.stream().mapToLong(Long::longValue).max().orElseThrow() + 4096;
            for (int i = 0; i < 8 * BLOCKS_PER_POOL; i++) {
                pool.freeAddress(firstArena.get(i));
            }
            for (int i = 0; i < 2 * BLOCKS_PER_POOL; i++) {
                pool.freeAddress(secondArena.get(i));
            }
            pool.verify();
            // A new class needs a new pool: it must come from the second arena (2 free pools, not 8).
            long fresh = pool.allocateAddress(16);
            assertTrue(fresh >= secondLow && fresh < secondHigh, "new pool at 0x" + Long.toHexString(fresh)
                    + " is not in the fuller arena 0x" + Long.toHexString(secondLow));
            pool.freeAddress(fresh);
        }
    }

    @Test
    void trimDiscardsEveryUnusedPoolAndStatsCountThem() {
        java.util.concurrent.atomic.AtomicLong discardedBytes = new java.util.concurrent.atomic.AtomicLong();
        dev.offpool.spi.PageSource jdk = new dev.offpool.internal.ArenaPageSource();
        dev.offpool.spi.PageSource discarding = new dev.offpool.spi.PageSource() {
            @Override
            public java.lang.foreign.MemorySegment reserve(long byteSize, long byteAlignment) {
                return jdk.reserve(byteSize, byteAlignment);
            }

            @Override
            public void release(java.lang.foreign.MemorySegment chunk) {
                jdk.release(chunk);
            }

            @Override
            public boolean discard(java.lang.foreign.MemorySegment chunk, long offset, long byteSize) {
                discardedBytes.addAndGet(byteSize);
                return true;
            }

            @Override
            public String name() {
                return "counting";
            }
        };
        try (OffPool pool = OffPool.builder().pageSource(discarding).build()) {
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                blocks.add(pool.allocateAddress(64));
            }
            long keep = blocks.getFirst();
            blocks.subList(1, blocks.size()).forEach(pool::freeAddress);
            pool.trim();
            PoolStats stats = pool.stats();
            assertEquals(1, stats.blocksInUse());
            assertTrue(stats.poolsDiscarded() > 0, stats.toTable());
            assertEquals(stats.poolsDiscarded() * OffPool.DEFAULT_POOL_SIZE_BYTES, discardedBytes.get());
            assertEquals(stats.bytesInUnusedPools(), stats.poolsDiscarded() * OffPool.DEFAULT_POOL_SIZE_BYTES,
                    "after trim every unused pool of the one arena left has been discarded");
            pool.freeAddress(keep);
            pool.verify();
        }
    }
}
