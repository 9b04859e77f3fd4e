package dev.offpool;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffPoolTest {
    private final OffPool pool = OffPool.builder().build();

    @AfterEach
    void close() {
        if (!pool.isClosed()) {
            pool.verify();
            pool.close();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 7, 16, 17, 64, 100, 255, 256, 500, 512})
    void allocateReturnsZeroedSegmentOfExactSize(long size) {
        MemorySegment first = pool.allocate(size);
        first.fill((byte) 0x5A);
        pool.free(first);
        MemorySegment again = pool.allocate(size); // the same block comes back from the thread cache
        assertEquals(first.address(), again.address());
        assertEquals(size, again.byteSize());
        for (long i = 0; i < size; i++) {
            assertEquals(0, again.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
        }
        pool.free(again);
    }

    @Test
    void writingPastTheEndThrowsAndLeavesTheNeighbourIntact() {
        MemorySegment a = pool.allocate(24);
        MemorySegment b = pool.allocate(24);
        b.fill((byte) 7);
        assertThrows(IndexOutOfBoundsException.class, () -> a.set(ValueLayout.JAVA_BYTE, 24, (byte) 1));
        assertThrows(IndexOutOfBoundsException.class, () -> a.set(ValueLayout.JAVA_LONG_UNALIGNED, 20, 1L));
        for (long i = 0; i < 24; i++) {
            assertEquals(7, b.get(ValueLayout.JAVA_BYTE, i));
        }
        pool.free(a);
        pool.free(b);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 8, 16, 32, 64, 128, 256, 512})
    void allocationsHonourTheRequestedAlignment(long alignment) {
        List<MemorySegment> blocks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            MemorySegment s = pool.allocate(1 + i % 40, alignment);
            assertEquals(0, s.address() % alignment, "address " + Long.toHexString(s.address()));
            blocks.add(s);
        }
        blocks.forEach(pool::free);
    }

    @Test
    void liveBlocksNeverOverlap() {
        Set<Long> starts = new HashSet<>();
        List<Long> addresses = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            long a = pool.allocateAddress(16 + (i % 3) * 16);
            assertTrue(starts.add(a), "address handed out twice");
            addresses.add(a);
        }
        pool.verify();
        addresses.forEach(pool::freeAddress);
    }

    @Test
    void reallocateStaysInPlaceWhileTheBlockFitsAndKeepsContents() {
        MemorySegment s = pool.allocate(100); // a 112-byte block
        s.fill((byte) 3);
        MemorySegment grown = pool.reallocate(s, 110);
        assertEquals(s.address(), grown.address());
        assertEquals(110, grown.byteSize());
        assertEquals(3, grown.get(ValueLayout.JAVA_BYTE, 99));
        assertEquals(0, grown.get(ValueLayout.JAVA_BYTE, 100), "bytes past the old size read as zero");
        MemorySegment moved = pool.reallocate(grown, 300);
        assertNotEquals(s.address(), moved.address());
        assertEquals(3, moved.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0, moved.get(ValueLayout.JAVA_BYTE, 200));
        MemorySegment shrunk = pool.reallocate(moved, 10); // far below 3/4 of 304: moves to a 16-byte block
        assertEquals(10, shrunk.byteSize());
        assertEquals(3, shrunk.get(ValueLayout.JAVA_BYTE, 9));
        assertThrows(InvalidFreeException.class, () -> pool.free(moved), "the old block was freed");
        pool.free(shrunk);
    }

    @Test
    void segmentAllocatorMethodsWork() {
        MemorySegment s = pool.allocateFrom("offpool");
        assertEquals("offpool", s.getString(0));
        MemorySegment ints = pool.allocateFrom(ValueLayout.JAVA_INT, 1, 2, 3);
        assertEquals(3, ints.getAtIndex(ValueLayout.JAVA_INT, 2));
        pool.free(s);
        pool.free(ints);
    }

    @Test
    void anyThreadMayFreeABlockAnotherThreadAllocated() throws Exception {
        long[] addresses = new long[1000];
        Thread producer = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < addresses.length; i++) {
                addresses[i] = pool.allocateAddress(48);
            }
        });
        producer.join();
        for (long a : addresses) {
            pool.freeAddress(a);
        }
        pool.trim();
        pool.verify();
        assertEquals(0, pool.stats().blocksInUse());
    }

    @Test
    void deadThreadsCachesGoBackToThePools() throws Exception {
        Thread worker = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 100; i++) {
                pool.freeAddress(pool.allocateAddress(64));
            }
        });
        worker.join();
        assertTrue(pool.stats().sizeClasses().get(3).blocksCached() == 0, "the dead worker's cache was drained");
    }

    @Test
    void virtualThreadsShareStripedCaches() throws Exception {
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 10_000; t++) {
                executor.submit(() -> pool.freeAddress(pool.allocateAddress(32)));
            }
        }
        pool.verify();
        assertEquals(0, pool.stats().blocksInUse());
    }

    @Test
    void globalAllocatorCannotBeClosed() {
        assertThrows(UnsupportedOperationException.class, () -> OffPool.global().close());
        long a = OffPool.global().allocateAddress(8);
        OffPool.global().freeAddress(a);
    }

    @Test
    void closeReleasesEveryArenaAndLaterUseThrows() {
        for (int i = 0; i < 10_000; i++) {
            pool.allocateAddress(256);
        }
        pool.verify();
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.allocate(8));
        assertThrows(IllegalStateException.class, () -> pool.freeAddress(1234));
        assertThrows(IllegalStateException.class, pool::stats);
        assertThrows(IllegalStateException.class, pool::newConfinedArena);
        assertThrows(IllegalStateException.class, pool::close);
    }

    @Test
    void pooledConfinedArenaInvalidatesItsSegmentsAndReturnsEveryBlock() {
        MemorySegment kept;
        try (Arena arena = pool.newConfinedArena()) {
            for (int i = 0; i < 1000; i++) {
                arena.allocate(40).fill((byte) 1);
            }
            kept = arena.allocate(ValueLayout.JAVA_LONG);
            kept.set(ValueLayout.JAVA_LONG, 0, 99L);
            assertEquals(0, arena.allocate(0).byteSize());
            assertTrue(pool.stats().blocksInUse() > 0);
        }
        MemorySegment dead = kept;
        assertThrows(IllegalStateException.class, () -> dead.get(ValueLayout.JAVA_LONG, 0));
        assertEquals(0, pool.stats().blocksInUse());
        assertThrows(InvalidFreeException.class, () -> pool.free(dead), "arena segments are not freed one by one");
    }

    @Test
    void pooledArenaSegmentsAreZeroedAlignedAndDisjoint() {
        try (Arena arena = pool.newConfinedArena()) {
            List<MemorySegment> segments = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                long size = 1 + (i * 37) % 3000;
                long alignment = 1L << (i % 8);
                MemorySegment s = arena.allocate(size, alignment);
                assertEquals(0, s.address() % alignment);
                assertEquals(-1, s.mismatch(MemorySegment.ofArray(new byte[(int) size])), "zeroed");
                s.fill((byte) i);
                segments.add(s);
            }
            for (int i = 0; i < segments.size(); i++) {
                MemorySegment s = segments.get(i);
                byte[] expected = new byte[(int) s.byteSize()];
                java.util.Arrays.fill(expected, (byte) i);
                assertEquals(-1, s.mismatch(MemorySegment.ofArray(expected)), "segment " + i + " was overwritten");
            }
        }
        assertEquals(0, pool.stats().blocksInUse());
        assertEquals(0, pool.stats().large().liveBlocks());
    }

    @Test
    void pooledConfinedArenaRejectsOtherThreads() throws Exception {
        try (Arena arena = pool.newConfinedArena()) {
            Throwable[] thrown = new Throwable[1];
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    arena.allocate(8);
                } catch (Throwable t) {
                    thrown[0] = t;
                }
            });
            other.join();
            assertTrue(thrown[0] instanceof WrongThreadException, String.valueOf(thrown[0]));
        }
    }

    @Test
    void pooledSharedArenaTakesAllocationsFromManyThreads() throws Exception {
        Arena arena = pool.newSharedArena();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 500; i++) {
                    arena.allocate(64).fill((byte) 2);
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(pool.stats().blocksInUse() > 0);
        arena.close();
        assertEquals(0, pool.stats().blocksInUse());
        assertThrows(IllegalStateException.class, () -> arena.allocate(8));
    }
}
