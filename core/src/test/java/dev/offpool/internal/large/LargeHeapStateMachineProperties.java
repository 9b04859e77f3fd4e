package dev.offpool.internal.large;

import dev.offpool.InvalidFreeException;
import dev.offpool.internal.CountingPageSource;
import dev.offpool.internal.RegionMap;
import dev.offpool.internal.ReservedBytes;
import dev.offpool.LargeTierStats;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.testing.Draw;
import dev.offpool.testing.StateMachine;
import dev.offpool.testing.Step;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random sequences of allocate (sizes up to the bound, random alignments), free and bad free against a model, with
 * verify() after every step: every live block holds its own tag over its whole size, nothing bleeds into a neighbour,
 * no two live blocks overlap, failures change nothing. Small chunks (64 KiB, bound 96 KiB so the biggest requests get
 * chunks sized to fit) and a 384 KiB reserved-bytes limit, so chunks open and close and the limit is hit.
 */
class LargeHeapStateMachineProperties {
    static final long CHUNK_BYTES = 64 * 1024;
    static final int BOUND_BYTES = 96 * 1024;
    static final long LIMIT_BYTES = 384 * 1024;
    static final int TRIES = 60;
    static final int STEPS_PER_TRY = 500;
    static final AtomicLong LIMIT_HITS = new AtomicLong();
    /** A native segment that is not ours, for foreign frees. */
    static final MemorySegment FOREIGN = Arena.global().allocate(256, 16);
    private static final byte[] ZEROS = new byte[BOUND_BYTES];

    /** One live block as the model sees it. */
    record Block(long address, long size, byte tag, LargeHeap heap) {
        MemorySegment segment() {
            return heap.segment(address, size);
        }
    }

    /** The heap under test and the model of what it should hold. */
    static final class Model {
        final CountingPageSource source = new CountingPageSource();
        final ReservedBytes reserved = new ReservedBytes(LIMIT_BYTES, source);
        final LargeHeap heap;
        final List<Block> live = new ArrayList<>();
        final TreeMap<Long, Block> byAddress = new TreeMap<>();
        /** Addresses freed recently (some may be live again), for double frees. */
        final List<Long> freed = new ArrayList<>();
        final byte[] pattern = new byte[BOUND_BYTES];
        byte nextTag = 1;

        /**
         * @param minRequestBytes 513 to run as an OffPool does, with free blocks too small for any request kept out
         *                        of the tree; 1 to keep every free block in it
         */
        Model(long minRequestBytes) {
            heap = new LargeHeap(new RegionMap(12), reserved, CHUNK_BYTES, BOUND_BYTES, minRequestBytes);
        }

        void allocate(int size, int alignment) {
            LargeTierStats before = heap.stats();
            long address;
            try {
                address = heap.allocate(size, alignment);
            } catch (OutOfPoolMemoryException e) {
                LIMIT_HITS.incrementAndGet();
                assertEquals(before, heap.stats(), "a refused allocation changed the heap");
                if (alignment <= LargeHeap.GRANULE_BYTES) {
                    // Best fit only opens a chunk when no free block holds the request.
                    assertTrue(before.largestFreeBlock() < Math.max(LargeHeap.MIN_BLOCK_BYTES, (size + 15) & -16),
                            "refused although a " + before.largestFreeBlock() + "-byte block is free");
                }
                return;
            }
            assertEquals(0, address % Math.max(16, alignment), "alignment");
            Map.Entry<Long, Block> below = byAddress.floorEntry(address);
            Map.Entry<Long, Block> above = byAddress.ceilingEntry(address);
            assertTrue(below == null || below.getValue().address + below.getValue().size <= address,
                    "overlaps the live block below");
            assertTrue(above == null || address + size <= above.getKey(), "overlaps the live block above");
            assertTrue(heap.usableSize(address) >= size, "usable size under the request");
            MemorySegment s = heap.segment(address, size);
            assertEquals(-1, s.mismatch(MemorySegment.ofArray(ZEROS).asSlice(0, size)), "not zeroed");
            nextTag = (byte) (nextTag == 127 ? 1 : nextTag + 1);
            s.fill(nextTag);
            Block b = new Block(address, size, nextTag, heap);
            live.add(b);
            byAddress.put(address, b);
        }

        void free(int index) {
            Block b = live.remove(index);
            byAddress.remove(b.address);
            assertTagged(b);
            long usable = heap.usableSize(b.address);
            assertEquals(usable, heap.free(b.address));
            assertEquals(-1, heap.usableSize(b.address));
            freed.add(b.address);
            if (freed.size() > 32) {
                freed.remove(0);
            }
        }

        void badFree(long address, String why) {
            LargeTierStats before = heap.stats();
            InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> heap.free(address), why);
            assertTrue(e.getMessage().contains(Long.toHexString(address)), e.getMessage());
            assertEquals(before, heap.stats(), "a rejected free changed the heap");
        }

        void check() {
            heap.verify();
            LargeTierStats stats = heap.stats();
            assertEquals(live.size(), stats.liveBlocks());
            assertEquals(stats.bytesInChunks(), stats.accountedBytes());
            assertEquals(stats.bytesInChunks(), reserved.current(), "reserved bytes drifted from the chunks");
            assertEquals(stats.bytesInChunks(), source.outstandingBytes(), "page source holds other chunks");
            long requested = 0;
            for (Block b : live) {
                assertEdgesTagged(b);
                requested += b.size;
            }
            assertTrue(requested <= stats.bytesInLiveBlocks());
        }

        void assertTagged(Block b) {
            Arrays.fill(pattern, 0, (int) b.size, b.tag);
            assertEquals(-1, b.segment().mismatch(MemorySegment.ofArray(pattern).asSlice(0, b.size)),
                    "block 0x" + Long.toHexString(b.address) + " lost its tag");
        }

        static void assertEdgesTagged(Block b) {
            MemorySegment s = b.segment();
            assertEquals(b.tag, s.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(b.tag, s.get(ValueLayout.JAVA_BYTE, b.size - 1));
            assertEquals(b.tag, s.get(ValueLayout.JAVA_BYTE, b.size / 2));
        }

        void close() {
            heap.close();
            assertEquals(0, source.outstandingChunks());
            assertEquals(0, reserved.current());
        }

        @Override
        public String toString() {
            return live.size() + " live blocks, " + heap.stats().chunksCurrent() + " chunks";
        }
    }

    @Test
    void heapMatchesModelAfterEveryStep() {
        StateMachine.Summary run = StateMachine.startingWithDrawn(draw -> new Model(draw.coin() ? 1 : 513))
                .action(6, LargeHeapStateMachineProperties::allocate)
                .action(5, m -> !m.live.isEmpty(), LargeHeapStateMachineProperties::free)
                .action(1, LargeHeapStateMachineProperties::badFree)
                .invariant(Model::check)
                .closeWith(Model::close)
                .run(TRIES, STEPS_PER_TRY);
        System.out.println("large-heap state-machine steps: " + run.steps() + ", reserved-bytes limit hit "
                + LIMIT_HITS.get() + " times");
        assertEquals(run.tries() * (long) STEPS_PER_TRY, run.steps(), "every try takes all its steps");
    }

    static Step<Model> allocate(Model m, Draw draw) {
        int size = switch (draw.weightedIndex(7, 2, 1)) {
            case 0 -> draw.intBetween(513, 8192, Draw.edges(513, 528));
            case 1 -> draw.intBetween(8193, (int) CHUNK_BYTES, Draw.edges((int) CHUNK_BYTES));
            default -> draw.intBetween(1, BOUND_BYTES, Draw.edges(1, 513, 528, (int) CHUNK_BYTES, BOUND_BYTES));
        };
        int alignment = draw.oneOf(1, 16, 16, 16, 32, 64, 128, 1024, 4096);
        return Step.of("allocate " + size + " align " + alignment, model -> model.allocate(size, alignment));
    }

    static Step<Model> free(Model m, Draw draw) {
        int i = draw.intBetween(0, m.live.size() - 1);
        return Step.of("free #" + i, model -> i < model.live.size(), model -> model.free(i));
    }

    /** A foreign address, an address inside a live block, or a block freed earlier and not handed out again. */
    static Step<Model> badFree(Model m, Draw draw) {
        List<Long> notLive = m.freed.stream().filter(a -> !m.byAddress.containsKey(a)).toList();
        int kinds = 1 + (m.live.isEmpty() ? 0 : 1) + (notLive.isEmpty() ? 0 : 1);
        int kind = draw.intBetween(0, kinds - 1);
        if (kind == 0) {
            long address = draw.oneOf(FOREIGN.address(), 0L, -16L, FOREIGN.address() + 8);
            return Step.of("free foreign 0x" + Long.toHexString(address),
                    model -> model.badFree(address, "foreign address"));
        }
        if (kind == 1 && !m.live.isEmpty()) {
            int i = draw.intBetween(0, m.live.size() - 1);
            int offset = draw.intBetween(1, BOUND_BYTES - 1);
            // The address is found when the step runs, so that a shrunk sequence frees inside whatever block #i is.
            return Step.of("free inside #" + i, model -> i < model.live.size(), model -> {
                Block b = model.live.get(i);
                model.badFree(b.address + 1 + (offset % (b.size - 1 > 0 ? b.size - 1 : 1)), "interior address");
            });
        }
        long address = draw.oneOf(notLive);
        return Step.of("double free 0x" + Long.toHexString(address), model -> !model.byAddress.containsKey(address),
                model -> model.badFree(address, "double free"));
    }
}
