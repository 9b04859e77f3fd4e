package dev.offpool.nativebridge;

import dev.offpool.OffPool;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.PoolStats;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A mapping the kernel refuses is a clean, explained failure that leaves the allocator exactly as it was. */
class MappingFailureTest {
    @Test
    void refusedMmapIsACleanFailureAndTheAllocatorStaysUsable() {
        try (OffPool pool = OffPool.builder().maxAllocationBytes(OffPool.Builder.MAX_ALLOCATION_LIMIT_BYTES).build()) {
            MemorySegment live = pool.allocate(100);
            MemorySegment large = pool.allocate(100_000);
            PoolStats before = pool.stats();

            OutOfPoolMemoryException e = assertThrows(OutOfPoolMemoryException.class, () -> pool.allocate(1L << 60));
            assertTrue(e.getMessage().contains("mmap") && e.getMessage().contains("errno"), e.getMessage());

            pool.verify();
            assertEquals(before, pool.stats());
            assertEquals(before.huge().blocks(), 0);
            pool.free(pool.allocate(3 << 20)); // the huge tier still maps
            pool.free(live);
            pool.free(large);
            pool.verify();
        }
    }
}
