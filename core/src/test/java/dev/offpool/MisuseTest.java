package dev.offpool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad calls that once slipped through: each is rejected with a clear reason and leaves the heap as it was. */
class MisuseTest {
    private static void rejectedAndUnchanged(OffPool pool, Class<? extends Throwable> type, Executable call,
                                             String messagePart) {
        PoolStats before = pool.stats();
        Throwable thrown = assertThrows(type, call);
        assertTrue(thrown.getMessage().contains(messagePart), thrown.getMessage());
        pool.verify();
        assertEquals(before, pool.stats());
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 700, 6000, 200_000, 3 << 20})
    void freeOrReallocateOfASliceIsRejectedInEveryTierAndTheBlockStaysLive(int size) {
        try (OffPool pool = OffPool.builder().build()) {
            MemorySegment block = pool.allocate(size);
            MemorySegment next = pool.allocate(size);
            block.fill((byte) 9);
            next.fill((byte) 8);
            rejectedAndUnchanged(pool, InvalidFreeException.class, () -> pool.free(block.asSlice(0, 8)),
                    "not a slice");
            rejectedAndUnchanged(pool, InvalidFreeException.class, () -> pool.reallocate(block.asSlice(0, 8), 100),
                    "not a slice");
            rejectedAndUnchanged(pool, InvalidFreeException.class, () -> pool.free(block.asSlice(16)), "bytes inside");
            // A zero-length slice at the block's end has the next block's address; it must not free it.
            rejectedAndUnchanged(pool, InvalidFreeException.class, () -> pool.free(block.asSlice(block.byteSize())),
                    "zero-length");
            assertEquals(8, next.get(ValueLayout.JAVA_BYTE, size - 1));
            assertEquals(9, block.get(ValueLayout.JAVA_BYTE, size - 1));
            pool.free(block);
            pool.free(next);
            pool.verify();
        }
    }

    @Test
    void aBlockAllocatedWithALargeAlignmentIsFreedThroughItsSegmentWhateverItsSize() {
        try (OffPool pool = OffPool.builder().build()) {
            MemorySegment aligned = pool.allocate(100, 256); // served from the 256-byte class
            assertEquals(0, aligned.address() % 256);
            pool.free(aligned);
            pool.verify();
            assertEquals(0, pool.stats().blocksInUse());
        }
    }

    @Test
    void theLargestAllocationSettingHoldsForEveryPathAndSize() {
        try (OffPool pool = OffPool.builder().maxAllocationBytes(100).build()) {
            MemorySegment ok = pool.allocate(100);
            rejectedAndUnchanged(pool, IllegalArgumentException.class, () -> pool.allocate(200), "over the largest");
            rejectedAndUnchanged(pool, IllegalArgumentException.class, () -> pool.allocateAddress(101), "over the");
            rejectedAndUnchanged(pool, IllegalArgumentException.class, () -> pool.allocate(ValueLayout.JAVA_LONG, 13),
                    "over the largest");
            rejectedAndUnchanged(pool, IllegalArgumentException.class, () -> pool.reallocate(ok, 101), "over the");
            pool.free(ok);
        }
    }

    @Test
    void everySettingRejectsValuesPastItsBoundNamingTheBound() {
        List<Consumer<OffPool.Builder>> bad = List.of(
                b -> b.virtualThreadStripes(1 << 30), b -> b.virtualThreadStripes(0), b -> b.virtualThreadStripes(3),
                b -> b.threadCacheBytes(-1), b -> b.threadCacheBytes(1L << 40),
                b -> b.poolSizeBytes(1 << 30), b -> b.poolSizeBytes(5000), b -> b.arenaSizeBytes(1L << 40),
                b -> b.arenaSizeBytes(4096), b -> b.smallMaxBytes(8 << 20), b -> b.smallMaxBytes(17),
                b -> b.mediumMaxBytes(1 << 20), b -> b.mediumMaxBytes(0), b -> b.maxReservedBytes(0),
                b -> b.cacheTrimInterval(Duration.ofDays(2)), b -> b.cacheTrimInterval(Duration.ofSeconds(-1)),
                b -> b.cacheTrimInterval(null), b -> b.retainedUnusedPoolBytes(-1),
                b -> b.retainedUnusedPoolBytes(1L << 50), b -> b.largeMaxBytes(0), b -> b.largeMaxBytes(1L << 40),
                b -> b.largeChunkBytes(1000), b -> b.largeChunkBytes(1L << 40), b -> b.maxAllocationBytes(0),
                b -> b.maxAllocationBytes(Long.MAX_VALUE));
        for (Consumer<OffPool.Builder> setting : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> setting.accept(OffPool.builder()));
            assertTrue(e.getMessage().matches(".*(\\d+|PT\\S+)\\.\\.?.*|.*from .* to .*|.*must be .*"),
                    e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> OffPool.builder().smallMaxBytes(1024).mediumMaxBytes(512)
                .build());
    }

    @Test
    void aBooleanSystemPropertyTakesOnlyTrueOrFalse() {
        String property = "offpool.test.flag";
        try {
            System.setProperty(property, "yes");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OffPool.flag(property));
            assertTrue(e.getMessage().contains(property) && e.getMessage().contains("\"yes\""), e.getMessage());
            System.setProperty(property, "TRUE");
            assertTrue(OffPool.flag(property));
            System.clearProperty(property);
            assertTrue(!OffPool.flag(property));
        } finally {
            System.clearProperty(property);
        }
    }

    @Test
    void aThreadNeverCachesMoreThanItsBudget() {
        for (long budget : new long[] {0, 1024, 40_000}) {
            try (OffPool pool = OffPool.builder().threadCacheBytes(budget).build()) {
                List<Long> blocks = new ArrayList<>();
                for (int size = 16; size <= 65536; size = size * 3 / 2 + 16) {
                    for (int i = 0; i < 40; i++) {
                        blocks.add(pool.allocateAddress(size));
                    }
                    blocks.forEach(pool::freeAddress);
                    blocks.clear();
                    PoolStats stats = pool.stats();
                    assertTrue(stats.bytesInCachedBlocks() <= budget, "budget " + budget + ", after size " + size
                            + ": " + stats.toTable());
                }
                pool.verify();
            }
        }
    }

    @Test
    void everyCallAfterCloseThrowsIllegalStateExceptionButIsClosed() {
        OffPool pool = OffPool.builder().build();
        MemorySegment block = pool.allocate(64);
        long address = pool.allocateAddress(64);
        pool.close();
        assertTrue(pool.isClosed());
        List<Executable> calls = List.of(() -> pool.allocate(64), () -> pool.allocate(0), () -> pool.allocateAddress(1),
                () -> pool.free(block), () -> pool.freeAddress(address), () -> pool.reallocate(block, 128),
                () -> pool.free(MemorySegment.ofArray(new byte[8])), () -> pool.reallocate(MemorySegment.ofArray(
                        new byte[8]), 16), () -> pool.free(MemorySegment.NULL), () -> pool.stats(), pool::verify,
                pool::trim, pool::smallThresholdBytes, pool::pooledMaxBytes, pool::reservedBytes,
                pool::newConfinedArena, pool::newSharedArena, pool::close);
        for (Executable call : calls) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }

    @Test
    void cachedMemoryCountsAgainstTheLimitOnlyUntilARequestNeedsIt() {
        // 6 MiB limit: a kept empty arena (1 MiB) and the large tier's spare chunk (4 MiB) fill most of it with
        // nothing live; a 3 MiB huge block must still be served, by giving the cached memory back first.
        try (OffPool pool = OffPool.builder().maxReservedBytes(6L << 20).build()) {
            pool.free(pool.allocate(64));
            pool.free(pool.allocate(200_000));
            assertEquals(0, pool.stats().blocksInUse());
            assertTrue(pool.reservedBytes() >= 5L << 20, "kept: " + pool.reservedBytes());
            MemorySegment huge = pool.allocate(3L << 20);
            pool.free(huge);
            // And over the limit with live blocks it fails cleanly, then recovers after frees.
            MemorySegment live = pool.allocate(5L << 20);
            OutOfPoolMemoryException e = assertThrows(OutOfPoolMemoryException.class,
                    () -> pool.allocate(2L << 20));
            assertTrue(e.limitReached() && e.getMessage().contains("limit"), e.getMessage());
            pool.free(live);
            pool.free(pool.allocate(2L << 20));
            pool.verify();
        }
    }

    @Test
    void aPooledArenaThatCannotBeServedThrowsOutOfMemoryErrorWithTheReason() {
        try (OffPool pool = OffPool.builder().maxReservedBytes(2L << 20).build();
             Arena arena = pool.newConfinedArena()) {
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> arena.allocate(8L << 20));
            assertTrue(e.getCause() instanceof OutOfPoolMemoryException, String.valueOf(e.getCause()));
            assertEquals(0, arena.allocate(100).get(ValueLayout.JAVA_BYTE, 99), "the arena still works");
        }
    }
}
