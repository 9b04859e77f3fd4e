package dev.offpool.agent.redirect;

import org.junit.jupiter.api.Test;

import java.lang.ref.ReferenceQueue;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockTableTest {
    private final ReferenceQueue<ByteBuffer> queue = new ReferenceQueue<>();

    private BlockRecord record(long address, ByteBuffer root) {
        return new BlockRecord(root, queue, address, root.capacity(), 1);
    }

    @Test
    void blockAtALowAddressIsFound() {
        BlockTable table = new BlockTable();
        ByteBuffer root = ByteBuffer.allocate(16);
        table.add(record(0x10, root));
        assertTrue(table.containsRoot(0x10, root));
        assertNotNull(table.removeRoot(0x10, root));
    }

    @Test
    void removeRootFindsOnlyTheRootBufferNotItsDuplicate() {
        BlockTable table = new BlockTable();
        ByteBuffer root = ByteBuffer.allocate(16);
        BlockRecord record = record(0x1000, root);
        table.add(record);
        assertNull(table.removeRoot(0x1000, root.duplicate()));
        assertTrue(table.containsRoot(0x1000, root));
        assertSame(record, table.removeRoot(0x1000, root));
        assertNull(table.removeRoot(0x1000, root), "a second removal finds nothing");
        assertEquals(0, table.size());
    }

    @Test
    void removeOfAStaleRecordLeavesTheBlocksNewRecordInPlace() {
        BlockTable table = new BlockTable();
        BlockRecord old = record(0x2000, ByteBuffer.allocate(8));
        table.add(old);
        assertTrue(table.remove(old));
        ByteBuffer newRoot = ByteBuffer.allocate(8);
        table.add(record(0x2000, newRoot));
        assertFalse(table.remove(old), "the GC path's late removal of a freed block's record must miss");
        assertTrue(table.containsRoot(0x2000, newRoot));
    }

    /**
     * Random adds and removals against a map, with capacities of three levels (16 B, 256 B and 4 KiB blocks, each at
     * addresses a multiple of its size as the allocator's blocks are), so windows fill, empty and are reused; the
     * seed is printed on failure.
     */
    @Test
    void matchesAMapModelUnderRandomAddsAndRemovals() {
        long seed = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        BlockTable table = new BlockTable();
        Map<Long, BlockRecord> model = new HashMap<>();
        Map<Long, ByteBuffer> roots = new HashMap<>();
        List<Long> addresses = new ArrayList<>();
        for (int step = 0; step < 200_000; step++) {
            String at = "seed " + seed + ", step " + step;
            if (model.isEmpty() || random.nextInt(100) < 55) {
                int level = 4 + 4 * random.nextInt(3);
                long address = (1L + random.nextInt(5_000)) << level;
                if (model.containsKey(address)) {
                    continue;
                }
                ByteBuffer root = ByteBuffer.allocate(1 << level);
                BlockRecord record = record(address, root);
                table.add(record);
                model.put(address, record);
                roots.put(address, root);
                addresses.add(address);
            } else {
                int index = random.nextInt(addresses.size());
                long address = addresses.get(index);
                addresses.set(index, addresses.getLast());
                addresses.removeLast();
                BlockRecord record = model.remove(address);
                ByteBuffer root = roots.remove(address);
                if (random.nextBoolean()) {
                    assertTrue(table.remove(record), at);
                } else {
                    assertSame(record, table.removeRoot(address, root), at);
                }
                assertFalse(table.remove(record), at);
                assertNull(table.removeRoot(address, root), at);
            }
            if (step % 10_000 == 0) {
                for (BlockRecord record : model.values()) {
                    assertFalse(table.remove(new BlockRecord(ByteBuffer.allocate(1), queue, record.address,
                                    record.capacity, 1)),
                            at + ": a different record at the same address must not match");
                }
                assertEquals(model.size(), table.size(), at);
            }
        }
        assertEquals(model.size(), table.size(), "seed " + seed);
        for (BlockRecord record : model.values()) {
            assertTrue(table.remove(record), "seed " + seed);
        }
        assertEquals(0, table.size(), "seed " + seed);
    }
}
