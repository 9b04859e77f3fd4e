package dev.offpool.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadCachesTest {
    private static final int STRIPES = 4;
    private static final long CACHE_BYTES = 64 * 1024;

    private final ReservedBytes reserved = new ReservedBytes(Long.MAX_VALUE);
    private SmallHeap heap;
    private ThreadCaches caches;

    private void open(long trimIntervalNanos) {
        HeapConfig config = new HeapConfig(16 * 1024, 1 << 20, 512, Long.MAX_VALUE, CACHE_BYTES, STRIPES,
                trimIntervalNanos, new ArenaPageSource(), 1 << 20, 1L << 40, 1 << 20, 4 << 20);
        heap = new SmallHeap(config, reserved);
        caches = new ThreadCaches(heap, config);
    }

    @AfterEach
    void close() {
        heap.close();
    }

    private long cached() {
        return Arrays.stream(caches.cachedPerClass()).sum();
    }

    @Test
    void aMillionVirtualThreadsShareTheStripes() throws Exception {
        open(1_000_000_000L);
        int before = caches.cacheCount();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 1_000_000; i++) {
                executor.submit(() -> caches.give(2, caches.take(2)));
            }
        }
        assertEquals(before, caches.cacheCount(), "virtual threads made no caches of their own");
        heap.verify(caches.cachedBlocks());
    }

    @Test
    void cacheHoldsNoMoreThanItsBudget() {
        open(1_000_000_000L);
        long[] blocks = new long[10_000];
        for (int c = 0; c < heap.classes().count(); c++) {
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = caches.take(c);
            }
            for (long b : blocks) {
                caches.give(c, b);
            }
        }
        long bytes = 0;
        long[] perClass = caches.cachedPerClass();
        for (int c = 0; c < perClass.length; c++) {
            bytes += perClass[c] * heap.classes().blockSize(c);
        }
        assertTrue(bytes <= CACHE_BYTES + 32L * 4 * 512, "cached " + bytes + " bytes");
        heap.verify(caches.cachedBlocks());
    }

    @Test
    void deadThreadsCacheIsDrainedBackToTheHeap() throws Exception {
        open(1_000_000_000L);
        Thread worker = Thread.ofPlatform().start(() -> {
            long[] blocks = new long[100];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = caches.take(3);
            }
            for (long b : blocks) {
                caches.give(3, b);
            }
        });
        worker.join();
        assertTrue(cached() > 0, "the worker left blocks in its cache");
        int withWorker = caches.cacheCount();
        caches.sweep(false);
        assertEquals(0, cached());
        assertEquals(withWorker - 1, caches.cacheCount());
        heap.verify(caches.cachedBlocks());
    }

    @Test
    void anOwnerTrimsHalfItsIdleCacheOnItsNextSlowPath() throws Exception {
        open(0); // every slow path is past the interval
        long[] blocks = new long[256];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = caches.take(0);
        }
        for (long b : blocks) {
            caches.give(0, b);
        }
        long full = caches.cachedPerClass()[0];
        Thread.sleep(2);
        caches.give(1, caches.take(1)); // a refill: the slow path
        long after = caches.cachedPerClass()[0];
        assertTrue(after <= full / 2 + 1, "class 0 kept " + after + " of " + full);
        heap.verify(caches.cachedBlocks());
    }
}
