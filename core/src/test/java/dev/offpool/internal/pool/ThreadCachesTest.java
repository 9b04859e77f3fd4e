package dev.offpool.internal.pool;

import dev.offpool.internal.ArenaPageSource;
import dev.offpool.internal.RegionMap;
import dev.offpool.internal.ReservedBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadCachesTest {
    private static final int STRIPES = 4;
    private static final long CACHE_BYTES = 64 * 1024;

    private RegionMap regions;
    private PoolTier tier;
    private PoolFastPath fast;
    private ThreadCaches caches;

    private void open(long cacheBytes, long trimIntervalNanos) {
        ReservedBytes reserved = new ReservedBytes(Long.MAX_VALUE, new ArenaPageSource());
        regions = new RegionMap(20);
        tier = new PoolTier(512, 64 * 1024, 16 * 1024, 1 << 20, regions, reserved, 1 << 20, cacheBytes,
                STRIPES, trimIntervalNanos, false, 1_000_000_000L);
        fast = tier.fastPath();
        caches = tier.caches();
    }

    @AfterEach
    void close() {
        tier.close();
    }

    private long cached() {
        return Arrays.stream(caches.cachedPerClass()).sum();
    }

    private long allocate(int sizeClass) {
        return fast.allocate(sizeClass, tier.classes().blockSize(sizeClass), PoolTier.LIVE);
    }

    private void free(long address) {
        fast.free(address, -1, null);
    }

    @Test
    void aMillionVirtualThreadsShareTheStripes() throws Exception {
        open(CACHE_BYTES, 1_000_000_000L);
        int before = caches.cacheCount();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 1_000_000; i++) {
                executor.submit(() -> free(allocate(2)));
            }
        }
        assertEquals(before, caches.cacheCount(), "virtual threads made no caches of their own");
        tier.verify();
    }

    @Test
    void aCacheNeverHoldsMoreThanItsBudgetInAnyMixOfClasses() {
        for (long budget : new long[] {0, 1024, 16 * 1024, CACHE_BYTES}) {
            open(budget, 1_000_000_000L);
            long[] blocks = new long[2_000];
            for (int c = 0; c < tier.classes().count(); c += 3) {
                int n = (int) Math.min(blocks.length, (4L << 20) / tier.classes().blockSize(c));
                for (int i = 0; i < n; i++) {
                    blocks[i] = allocate(c);
                }
                for (int i = 0; i < n; i++) {
                    free(blocks[i]);
                    assertTrue(caches.largestCacheBytes() <= budget, "budget " + budget + ": a cache holds "
                            + caches.largestCacheBytes() + " bytes after freeing class " + c);
                }
            }
            long bytes = 0;
            long[] perClass = caches.cachedPerClass();
            for (int c = 0; c < perClass.length; c++) {
                bytes += perClass[c] * tier.classes().blockSize(c);
            }
            assertTrue(bytes <= budget, "budget " + budget + ": cached " + bytes + " bytes");
            tier.verify();
            tier.close();
        }
        open(CACHE_BYTES, 1_000_000_000L);
    }

    @Test
    void deadThreadsCacheIsDrainedBackToTheHeap() throws Exception {
        open(CACHE_BYTES, 1_000_000_000L);
        Thread worker = Thread.ofPlatform().start(() -> {
            long[] blocks = new long[100];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = allocate(3);
            }
            for (long b : blocks) {
                free(b);
            }
        });
        worker.join();
        assertTrue(cached() > 0, "the worker left blocks in its cache");
        int withWorker = caches.cacheCount();
        caches.sweep(false);
        assertEquals(0, cached());
        assertEquals(withWorker - 1, caches.cacheCount());
        tier.verify();
    }

    @Test
    void anOwnerTrimsHalfItsIdleCacheOnItsNextSlowPath() throws Exception {
        open(CACHE_BYTES, 0); // every slow path is past the interval
        long[] blocks = new long[256];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = allocate(0);
        }
        for (long b : blocks) {
            free(b);
        }
        long full = caches.cachedPerClass()[0];
        Thread.sleep(2);
        free(allocate(40)); // a refill of another class: the slow path
        long after = caches.cachedPerClass()[0];
        assertTrue(after <= full / 2 + 1, "class 0 kept " + after + " of " + full);
        tier.verify();
    }
}
