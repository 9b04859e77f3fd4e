package dev.offpool.nativebridge;

import dev.offpool.OffPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static dev.offpool.nativebridge.PooledMemoryTest.awaitBlocksInUse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unclosed pooled memory goes back to its pool whichever thread made it, closed it or dropped it. */
class BlockReclaimerTest {
    private final OffPool pool = OffPool.builder().build();

    @AfterEach
    void closePool() {
        pool.close();
    }

    @Test
    void memoryDroppedOnAVirtualThreadIsReturnedAfterGc() throws Exception {
        Thread thread = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 100; i++) {
                PooledMemory.allocate(pool, 32).setInt(0, i);
            }
        });
        thread.join();

        awaitBlocksInUse(pool, 0);
        pool.verify();
    }

    @Test
    void memoryClosedOnAnotherThreadFreesItsBlockAndItsSlotIsReused() throws Exception {
        ExecutorService closer = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < 50; round++) {
                List<PooledMemory> made = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    made.add(PooledMemory.allocate(pool, 48));
                }
                closer.submit(() -> made.forEach(PooledMemory::close)).get(10, TimeUnit.SECONDS);
                assertEquals(0, pool.stats().blocksInUse(), "round " + round);
            }
            int slabs = BlockReclaimer.slabCount();
            for (int i = 0; i < 10_000; i++) {
                PooledMemory.allocate(pool, 48).close();
            }
            assertEquals(slabs, BlockReclaimer.slabCount());
        } finally {
            closer.shutdownNow();
        }
    }

    @Test
    void memoryLeakedByAThreadThatDiedIsReturnedAndTheThreadsSlabIsDropped() throws Exception {
        int before = BlockReclaimer.slabCount();
        Thread thread = new Thread(() -> {
            for (int i = 0; i < 100; i++) {
                PooledMemory.allocate(pool, 64).setInt(0, i);
            }
        });
        thread.start();
        thread.join();
        assertTrue(BlockReclaimer.slabCount() > before || pool.stats().blocksInUse() < 100,
                "the dead thread's slab holds its registrations until they are reclaimed");

        awaitBlocksInUse(pool, 0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (BlockReclaimer.slabCount() > before && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(before, BlockReclaimer.slabCount(), "the reclaimer's sweep dropped the dead thread's slab");
    }
}
