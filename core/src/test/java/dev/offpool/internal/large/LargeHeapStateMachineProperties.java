package dev.offpool.internal.large;

import dev.offpool.InvalidFreeException;
import dev.offpool.internal.CountingPageSource;
import dev.offpool.internal.RegionMap;
import dev.offpool.internal.ReservedBytes;
import dev.offpool.LargeTierStats;
import dev.offpool.OutOfPoolMemoryException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

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
    static final AtomicLong STEPS = new AtomicLong();
    static final AtomicLong LIMIT_HITS = new AtomicLong();
    /** A native segment that is not ours, for foreign frees. */
    static final MemorySegment FOREIGN = Arena.global().allocate(256, 16);
    private static final byte[] ZEROS = new byte[BOUND_BYTES];

    /** One live block as the model sees it. */
    static final java.util.concurrent.atomic.AtomicLong CHAINS = new java.util.concurrent.atomic.AtomicLong();

    record Block(long address, long size, byte tag, LargeHeap heap) {
        MemorySegment segment() {
            return heap.segment(address, size);
        }
    }

    /** The heap under test and the model of what it should hold. */
    static final class Model {
        final CountingPageSource source = new CountingPageSource();
        final ReservedBytes reserved = new ReservedBytes(LIMIT_BYTES, source);
        /** Every other chain runs as an OffPool does, with small free blocks kept out of the tree. */
        final long minRequestBytes = CHAINS.getAndIncrement() % 2 == 0 ? 1 : 513;
        final LargeHeap heap = new LargeHeap(new RegionMap(12), reserved, CHUNK_BYTES, BOUND_BYTES, minRequestBytes);
        final List<Block> live = new ArrayList<>();
        final TreeMap<Long, Block> byAddress = new TreeMap<>();
        /** Addresses freed recently (some may be live again), for double frees. */
        final List<Long> freed = new ArrayList<>();
        final byte[] pattern = new byte[BOUND_BYTES];
        byte nextTag = 1;

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
            STEPS.incrementAndGet();
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

    @Property(tries = 60, shrinking = ShrinkingMode.BOUNDED)
    void heapMatchesModelAfterEveryStep(@ForAll("chains") ActionChain<Model> chain) {
        chain.withInvariant("verify", Model::check).run();
        chain.finalState().ifPresent(Model::close);
    }

    @Provide
    Arbitrary<ActionChain<Model>> chains() {
        return ActionChain.startWith(Model::new)
                .withAction(6, new Allocate())
                .withAction(5, new Free())
                .withAction(1, new BadFree())
                .withMaxTransformations(500);
    }

    @AfterContainer
    static void enoughSteps() {
        System.out.println("large-heap state-machine steps: " + STEPS.get() + ", reserved-bytes limit hit "
                + LIMIT_HITS.get() + " times");
        assertTrue(STEPS.get() >= 20_000, "steps run: " + STEPS.get());
    }

    static final class Allocate implements Action.Independent<Model> {
        @Override
        public Arbitrary<Transformer<Model>> transformer() {
            Arbitrary<Integer> sizes = Arbitraries.frequencyOf(
                    Tuple.of(7, Arbitraries.integers().between(513, 8192)),
                    Tuple.of(2, Arbitraries.integers().between(8193, (int) CHUNK_BYTES)),
                    Tuple.of(1, Arbitraries.integers().between(1, BOUND_BYTES)))
                    .edgeCases(c -> c.includeOnly(1, 513, 528, (int) CHUNK_BYTES, BOUND_BYTES));
            Arbitrary<Integer> alignments = Arbitraries.of(1, 16, 16, 16, 32, 64, 128, 1024, 4096);
            return Combinators.combine(sizes, alignments).as((size, alignment) -> Transformer.mutate(
                    "allocate " + size + " align " + alignment, m -> m.allocate(size, alignment)));
        }
    }

    static final class Free implements Action.Dependent<Model> {
        @Override
        public boolean precondition(Model m) {
            return !m.live.isEmpty();
        }

        @Override
        public Arbitrary<Transformer<Model>> transformer(Model m) {
            return Arbitraries.integers().between(0, m.live.size() - 1)
                    .map(i -> Transformer.mutate("free #" + i, model -> model.free(i)));
        }
    }

    static final class BadFree implements Action.Dependent<Model> {
        @Override
        public Arbitrary<Transformer<Model>> transformer(Model m) {
            List<Arbitrary<Transformer<Model>>> kinds = new ArrayList<>();
            kinds.add(Arbitraries.of(FOREIGN.address(), 0L, -16L, FOREIGN.address() + 8).map(a -> Transformer.mutate(
                    "free foreign 0x" + Long.toHexString(a), model -> model.badFree(a, "foreign address"))));
            if (!m.live.isEmpty()) {
                kinds.add(Combinators.combine(Arbitraries.integers().between(0, m.live.size() - 1),
                        Arbitraries.integers().between(1, BOUND_BYTES - 1)).as((i, offset) -> {
                            Block b = m.live.get(i);
                            long address = b.address + 1 + (offset % (b.size - 1 > 0 ? b.size - 1 : 1));
                            return Transformer.mutate("free inside #" + i, model -> model.badFree(address,
                                    "interior address"));
                        }));
            }
            List<Long> notLive = m.freed.stream().filter(a -> !m.byAddress.containsKey(a)).toList();
            if (!notLive.isEmpty()) {
                kinds.add(Arbitraries.of(notLive).map(a -> Transformer.mutate("double free 0x" + Long.toHexString(a),
                        model -> model.badFree(a, "double free"))));
            }
            return Arbitraries.oneOf(kinds);
        }
    }
}
