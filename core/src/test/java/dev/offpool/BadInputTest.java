package dev.offpool;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every bad call gets a specific exception and leaves the heap exactly as it was. */
class BadInputTest {
    private OffPool pool;
    private MemorySegment live;
    private long liveAddress;

    @BeforeEach
    void setUp() {
        pool = OffPool.builder().threadCacheBytes(0).build();
        live = pool.allocate(64);
        live.fill((byte) 0x11);
        liveAddress = pool.allocateAddress(32);
    }

    @AfterEach
    void tearDown() {
        if (!pool.isClosed()) {
            pool.close();
        }
    }

    private <T extends Throwable> T rejectedAndUnchanged(Class<T> type, Executable call, String messagePart) {
        PoolStats before = pool.stats();
        T thrown = assertThrows(type, call);
        assertTrue(thrown.getMessage().contains(messagePart), thrown.getMessage());
        pool.verify();
        assertEquals(before, pool.stats());
        for (long i = 0; i < 64; i++) {
            assertEquals(0x11, live.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i));
        }
        return thrown;
    }

    @Test
    void freeOfForeignAddressIsRejectedAndHeapUnchanged() {
        try (Arena jdk = Arena.ofConfined()) {
            MemorySegment foreign = jdk.allocate(64);
            rejectedAndUnchanged(InvalidFreeException.class, () -> pool.freeAddress(foreign.address()),
                    "not an address this allocator handed out");
        }
        rejectedAndUnchanged(InvalidFreeException.class, () -> pool.freeAddress(0), "not an address");
        rejectedAndUnchanged(InvalidFreeException.class, () -> pool.freeAddress(-16), "not an address");
    }

    @Test
    void freeOfAnAddressInsideABlockIsRejectedAndHeapUnchanged() {
        rejectedAndUnchanged(InvalidFreeException.class, () -> pool.free(live.asSlice(16)), "bytes inside");
        rejectedAndUnchanged(InvalidFreeException.class, () -> pool.freeAddress(liveAddress + 8), "bytes inside");
    }

    @Test
    void doubleFreeIsRejectedAndHeapUnchanged() {
        MemorySegment other = pool.allocate(64);
        pool.free(other);
        rejectedAndUnchanged(InvalidFreeException.class, () -> pool.free(other), "double free");
    }

    @Test
    void doubleFreeIsDetectedWithThreadCachesOn() {
        pool.close();
        pool = OffPool.builder().build();
        live = pool.allocate(64);
        live.fill((byte) 0x11);
        MemorySegment other = pool.allocate(64);
        pool.free(other);
        rejectedAndUnchanged(InvalidFreeException.class, () -> pool.free(other), "double free");
    }

    @Test
    void freeOfAnUnusedPoolAddressIsRejected() {
        long lastPoolStart = (liveAddress & -16384L) + 16384 * 10;
        rejectedAndUnchanged(InvalidFreeException.class, () -> pool.freeAddress(lastPoolStart), "unused pool");
    }

    @Test
    void freeOfAHeapSegmentIsRejected() {
        rejectedAndUnchanged(InvalidFreeException.class, () -> pool.free(MemorySegment.ofArray(new byte[64])),
                "heap segment");
    }

    @Test
    void nonPositiveSizeIsRejectedAndZeroIsAnEmptySegmentAsEverySegmentAllocatorGives() {
        PoolStats before = pool.stats();
        MemorySegment empty = pool.allocate(0);
        assertEquals(0, empty.byteSize());
        assertTrue(empty.address() != 0, "a zero-byte allocation is not NULL");
        assertEquals(0, pool.allocate(java.lang.foreign.ValueLayout.JAVA_INT, 0).byteSize());
        assertEquals(0, pool.allocateFrom(java.lang.foreign.ValueLayout.JAVA_INT, new int[0]).byteSize());
        assertEquals(before, pool.stats(), "an empty segment takes no block");
        rejectedAndUnchanged(InvalidFreeException.class, () -> pool.free(empty), "zero-length segment");
        rejectedAndUnchanged(IllegalArgumentException.class, () -> pool.allocateAddress(0), "size must be positive");
        rejectedAndUnchanged(IllegalArgumentException.class, () -> pool.allocateAddress(-5), "was -5");
        rejectedAndUnchanged(IllegalArgumentException.class, () -> pool.reallocate(live, 0), "size must be positive");
    }

    @Test
    void sizeOverTheLimitIsRejected() {
        pool.close();
        pool = OffPool.builder().threadCacheBytes(0).maxAllocationBytes(1 << 20).build();
        live = pool.allocate(64);
        live.fill((byte) 0x11);
        rejectedAndUnchanged(IllegalArgumentException.class, () -> pool.allocate((1 << 20) + 1), "largest allocation");
        rejectedAndUnchanged(IllegalArgumentException.class, () -> pool.allocate(Long.MAX_VALUE), "largest allocation");
        rejectedAndUnchanged(IllegalArgumentException.class, () -> pool.reallocate(live, 2 << 20), "largest allocation");
    }

    @Test
    void alignmentThatIsNotAPowerOfTwoIsRejected() {
        rejectedAndUnchanged(IllegalArgumentException.class, () -> pool.allocate(8, 3), "power of two");
        rejectedAndUnchanged(IllegalArgumentException.class, () -> pool.allocate(8, 0), "power of two");
        rejectedAndUnchanged(IllegalArgumentException.class, () -> pool.allocate(8, -8), "power of two");
    }

    @Test
    void reservedBytesLimitFailsCleanlyAndRecoversAfterFrees() {
        pool.close();
        pool = OffPool.builder().arenaSizeBytes(64 * 1024).maxReservedBytes(128 * 1024).build();
        live = pool.allocate(64);
        live.fill((byte) 0x11);
        java.util.List<Long> blocks = new java.util.ArrayList<>();
        OutOfPoolMemoryException failure = null;
        while (failure == null) {
            try {
                blocks.add(pool.allocateAddress(256));
            } catch (OutOfPoolMemoryException e) {
                failure = e;
            }
        }
        assertTrue(failure.getMessage().contains("limit"), failure.getMessage());
        rejectedAndUnchanged(OutOfPoolMemoryException.class, () -> pool.allocateAddress(256), "limit");
        assertTrue(pool.reservedBytes() <= 128 * 1024);
        for (int i = 0; i < blocks.size() / 2; i++) {
            pool.freeAddress(blocks.get(i));
        }
        pool.freeAddress(pool.allocateAddress(256));
        pool.freeAddress(pool.allocateAddress(16)); // another class needs a pool of its own
        pool.verify();
    }

    @Test
    void builderRejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> OffPool.builder().poolSizeBytes(5000));
        assertThrows(IllegalArgumentException.class, () -> OffPool.builder().arenaSizeBytes(3 << 20));
        assertThrows(IllegalArgumentException.class, () -> OffPool.builder().smallMaxBytes(100));
        assertThrows(IllegalArgumentException.class, () -> OffPool.builder().maxReservedBytes(0));
        assertThrows(IllegalArgumentException.class, () -> OffPool.builder().virtualThreadStripes(3));
        assertThrows(IllegalArgumentException.class,
                () -> OffPool.builder().poolSizeBytes(16384).arenaSizeBytes(16384).build());
        assertThrows(IllegalArgumentException.class,
                () -> OffPool.builder().poolSizeBytes(4096).smallMaxBytes(2048).build());
    }
}
