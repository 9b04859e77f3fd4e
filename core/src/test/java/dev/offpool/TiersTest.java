package dev.offpool;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every size is served, by the tier its size picks, with the same contract. */
class TiersTest {
    private final OffPool pool = OffPool.builder().build();

    @AfterEach
    void close() {
        pool.verify();
        pool.close();
    }

    @ParameterizedTest
    @ValueSource(longs = {513, 1000, 4096, 65536, 1 << 20, (1 << 20) + 1, 5 << 20})
    void everySizeIsServedZeroedAndFreed(long size) {
        MemorySegment s = pool.allocate(size);
        assertEquals(size, s.byteSize());
        assertEquals(-1, s.mismatch(MemorySegment.ofArray(new byte[(int) size])), "zeroed");
        s.fill((byte) 9);
        assertThrows(IndexOutOfBoundsException.class, () -> s.get(ValueLayout.JAVA_BYTE, size));
        pool.free(s);
        MemorySegment again = pool.allocate(size);
        assertEquals(-1, again.mismatch(MemorySegment.ofArray(new byte[(int) size])), "zeroed after reuse");
        pool.free(again);
    }

    @ParameterizedTest
    @ValueSource(longs = {1024, 4096, 65536, 1 << 20})
    void largeAlignmentsAreHonoured(long alignment) {
        MemorySegment s = pool.allocate(100, alignment);
        assertEquals(0, s.address() % alignment);
        pool.free(s);
    }

    @Test
    void trimReturnsTheLargeTiersSpareChunk() {
        MemorySegment s = pool.allocate(100_000);
        pool.free(s);
        assertEquals(1, pool.stats().large().chunksCurrent(), "one free chunk is kept against thrashing");
        pool.trim();
        assertEquals(0, pool.stats().large().chunksCurrent());
    }

    @Test
    void hugeBlocksRejectDoubleAndInteriorFrees() {
        MemorySegment s = pool.allocate(3 << 20);
        assertThrows(InvalidFreeException.class, () -> pool.freeAddress(s.address() + 4096));
        pool.free(s);
        InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> pool.free(s));
        assertTrue(e.getMessage().contains("already freed"), e.getMessage());
    }

    @Test
    void reallocateMovesAcrossTiersKeepingContents() {
        MemorySegment s = pool.allocate(100);
        s.fill((byte) 5);
        MemorySegment big = pool.reallocate(s, 3 << 20);
        assertEquals(5, big.get(ValueLayout.JAVA_BYTE, 99));
        assertEquals(0, big.get(ValueLayout.JAVA_BYTE, 100));
        MemorySegment small = pool.reallocate(big, 50);
        assertEquals(5, small.get(ValueLayout.JAVA_BYTE, 49));
        pool.free(small);
        assertEquals(0, pool.stats().huge().blocks());
    }

    @Test
    void pooledArenaServesEverySize() {
        MemorySegment kept;
        try (Arena arena = pool.newConfinedArena()) {
            kept = arena.allocate(2 << 20);
            arena.allocate(700);
            kept.fill((byte) 1);
        }
        MemorySegment dead = kept;
        assertThrows(IllegalStateException.class, () -> dead.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0, pool.stats().huge().blocks());
    }
}
