package dev.offpool;

import dev.offpool.internal.CountingPageSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rule: a segment offpool hands out never crashes the JVM. Once its memory has gone back to the OS, an access
 * throws {@link IllegalStateException}; and no racing misuse makes the allocator itself read memory it has unmapped.
 * A failure here is usually not an assertion but the test JVM dying.
 */
class NoCrashTest {
    private static final int[] ONE_SIZE_PER_TIER = {64, 4096, 200_000, 3 << 20};

    @Test
    void aHugeSegmentReadAfterItsFreeThrowsInsteadOfCrashing() {
        try (OffPool pool = OffPool.builder().build()) {
            MemorySegment huge = pool.allocate(3 << 20);
            huge.set(ValueLayout.JAVA_LONG, 0, 42);
            pool.free(huge);
            assertThrows(IllegalStateException.class, () -> huge.get(ValueLayout.JAVA_LONG, 0));
            assertThrows(IllegalStateException.class, () -> huge.set(ValueLayout.JAVA_BYTE, 100, (byte) 1));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 4096, 200_000, 3 << 20})
    void everySegmentOfAClosedAllocatorThrowsOnAccess(int size) {
        OffPool pool = OffPool.builder().build();
        MemorySegment segment = pool.allocate(size);
        MemorySegment slice = segment.asSlice(8, 8);
        java.nio.ByteBuffer buffer = segment.asByteBuffer();
        pool.close();
        assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> slice.set(ValueLayout.JAVA_LONG, 0, 1L));
        assertThrows(IllegalStateException.class, () -> buffer.get(0));
        assertThrows(IllegalStateException.class, () -> segment.fill((byte) 1));
    }

    @Test
    void aPooledArenaOpenAcrossTheAllocatorsCloseKeepsItsMemoryUntilItClosesThenThrows() {
        CountingPageSource source = new CountingPageSource();
        OffPool pool = OffPool.builder().pageSource(source).build();
        Arena confined = pool.newConfinedArena();
        Arena shared = pool.newSharedArena();
        MemorySegment a = confined.allocate(100);
        MemorySegment big = confined.allocate(3 << 20);
        MemorySegment b = shared.allocate(20_000);
        a.fill((byte) 7);
        pool.close();
        assertTrue(source.outstandingChunks() > 0, "memory the arenas hold is still mapped");
        // The arenas behave as closed ones for new allocations...
        assertThrows(IllegalStateException.class, () -> confined.allocate(16));
        assertThrows(IllegalStateException.class, () -> shared.allocate(16));
        // ...but what they handed out is still theirs, readable, until they close.
        assertEquals(7, a.get(ValueLayout.JAVA_BYTE, 99));
        big.set(ValueLayout.JAVA_LONG, (3 << 20) - 8, 1L);
        b.set(ValueLayout.JAVA_INT, 0, 5);
        confined.close();
        shared.close();
        assertEquals(0, source.outstandingChunks(), "the last arena out released the rest");
        assertThrows(IllegalStateException.class, () -> a.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> b.get(ValueLayout.JAVA_INT, 0));
    }

    @Test
    void racingDoubleFreesOfAnArenasLastBlockGetOneWinnerAndNoCrash() throws Exception {
        // No thread cache, so the winning free empties the arena at once; with another empty arena already kept,
        // the emptied one is released (unmapped) while the losers are still checking the same address.
        try (OffPool pool = OffPool.builder().threadCacheBytes(0).arenaSizeBytes(64 * 1024).build()) {
            int threads = 4;
            AtomicInteger wins = new AtomicInteger();
            AtomicInteger rejections = new AtomicInteger();
            List<Throwable> surprises = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int round = 0; round < 300; round++) {
                long target = arenaOfItsOwnWithAnotherKeptEmpty(pool);
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Thread> racers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    racers.add(Thread.ofPlatform().start(() -> {
                        try {
                            start.await();
                            pool.freeAddress(target);
                            wins.incrementAndGet();
                        } catch (InvalidFreeException e) {
                            rejections.incrementAndGet();
                        } catch (Throwable e) {
                            surprises.add(e);
                        }
                    }));
                }
                for (Thread racer : racers) {
                    racer.join();
                }
                pool.verify();
            }
            assertEquals(List.of(), surprises);
            assertEquals(300, wins.get(), "exactly one free of each block won");
            assertEquals(300 * (threads - 1), rejections.get());
            assertEquals(0, pool.stats().blocksInUse());
        }
    }

    // Two 64 KiB arenas of 512-byte blocks: one wholly empty (kept against thrashing), one holding only the target.
    private static long arenaOfItsOwnWithAnotherKeptEmpty(OffPool pool) {
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 2 * 4 * 32; i++) { // two arenas of four 16 KiB pools of 32 blocks
            blocks.add(pool.allocateAddress(512));
        }
        long target = blocks.getFirst();
        long arena = target & -(64L * 1024);
        for (long b : blocks) {
            if (b != target) {
                pool.freeAddress(b);
            }
        }
        assertEquals(1, pool.stats().blocksInUse());
        assertTrue(pool.stats().arenasCurrent() == 2, "the target's arena and a kept empty one: "
                + pool.stats().toTable());
        assertEquals(arena, target & -(64L * 1024));
        return target;
    }

    @Test
    void aSegmentUsedAfterItsBlockWasFreedReadsRecycledBytesButNeverCrashes() {
        try (OffPool pool = OffPool.builder().build()) {
            for (int size : ONE_SIZE_PER_TIER) {
                MemorySegment stale = pool.allocate(size);
                pool.free(stale);
                MemorySegment fresh = pool.allocate(size);
                fresh.fill((byte) 3);
                try {
                    stale.get(ValueLayout.JAVA_BYTE, 0); // mapped: a stale read; unmapped (huge): it throws
                } catch (IllegalStateException unmapped) {
                    assertTrue(size > (1 << 20), "only a huge block's memory is gone at once");
                }
                pool.free(fresh);
            }
        }
    }
}
