package dev.offpool;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random sequences of allocate / free / reallocate / pooled-arena open, allocate and close, over every tier, checked
 * against a model after every step: verify() passes, every live block holds its own tag over its whole size, and
 * nothing bleeds into a neighbour. Small arenas and pools so that arenas open and close often.
 */
class PoolStateMachineProperties {
    static final AtomicLong STEPS = new AtomicLong();

    /** One live block as the model sees it. */
    record Block(MemorySegment segment, byte tag) {
    }

    /** The allocator under test and the model of what it should hold. */
    static final class Model {
        final OffPool pool = OffPool.builder().arenaSizeBytes(64 * 1024).poolSizeBytes(4096).smallMaxBytes(512)
                .threadCacheBytes(4096).build();
        final List<Block> live = new ArrayList<>();
        final List<Arena> arenas = new ArrayList<>();
        final List<List<Block>> arenaBlocks = new ArrayList<>();
        byte nextTag = 1;

        byte tag() {
            nextTag = (byte) (nextTag == 127 ? 1 : nextTag + 1);
            return nextTag;
        }

        void allocate(int size, int alignment, boolean raw) {
            MemorySegment s = raw ? MemorySegment.ofAddress(pool.allocateAddress(size, alignment)).reinterpret(size)
                    : pool.allocate(size, alignment);
            assertEquals(0, s.address() % alignment);
            assertZero(s);
            byte tag = tag();
            s.fill(tag);
            live.add(new Block(s, tag));
        }

        void free(int index) {
            Block b = live.remove(index);
            assertTagged(b);
            pool.freeAddress(b.segment.address());
        }

        void reallocate(int index, int newSize) {
            Block b = live.remove(index);
            assertTagged(b);
            MemorySegment moved = pool.reallocate(MemorySegment.ofAddress(b.segment.address())
                    .reinterpret(b.segment.byteSize()), newSize);
            long kept = Math.min(newSize, b.segment.byteSize());
            for (long i = 0; i < newSize; i++) {
                assertEquals(i < kept ? b.tag : 0, moved.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
            }
            byte tag = tag();
            moved.fill(tag);
            live.add(new Block(moved, tag));
        }

        void openArena() {
            arenas.add(pool.newConfinedArena());
            arenaBlocks.add(new ArrayList<>());
        }

        void allocateInArena(int arenaIndex, int size) {
            MemorySegment s = arenas.get(arenaIndex).allocate(size);
            assertZero(s);
            byte tag = tag();
            s.fill(tag);
            arenaBlocks.get(arenaIndex).add(new Block(s, tag));
        }

        void closeArena(int arenaIndex) {
            Arena arena = arenas.remove(arenaIndex);
            List<Block> blocks = arenaBlocks.remove(arenaIndex);
            blocks.forEach(Model::assertTagged);
            arena.close();
            for (Block b : blocks) {
                try {
                    b.segment.get(ValueLayout.JAVA_BYTE, 0);
                    throw new AssertionError("segment usable after its arena closed");
                } catch (IllegalStateException expected) {
                    // the scope is closed
                }
            }
        }

        void check() {
            STEPS.incrementAndGet();
            pool.verify();
            // Pooled arenas cut many segments from one slab, so the block count is exact only while none is open.
            PoolStats stats = pool.stats();
            long blocks = stats.blocksInUse() + stats.large().liveBlocks() + stats.huge().blocks();
            if (arenas.isEmpty()) {
                assertEquals(live.size(), blocks);
            } else {
                assertTrue(blocks >= live.size(), blocks + " blocks in use, " + live.size() + " live outside arenas");
            }
            for (Block b : live) {
                assertEdgesTagged(b);
            }
            for (List<Block> inArena : arenaBlocks) {
                inArena.forEach(Model::assertEdgesTagged);
            }
        }

        static void assertZero(MemorySegment s) {
            assertFilledWith(s, (byte) 0);
        }

        static void assertTagged(Block b) {
            assertFilledWith(b.segment, b.tag);
        }

        static void assertFilledWith(MemorySegment s, byte value) {
            byte[] expected = new byte[(int) s.byteSize()];
            java.util.Arrays.fill(expected, value);
            long at = s.mismatch(MemorySegment.ofArray(expected));
            assertEquals(-1, at, () -> "byte " + at + " of a " + s.byteSize() + "-byte block is not " + value);
        }

        static void assertEdgesTagged(Block b) {
            long n = b.segment.byteSize();
            assertEquals(b.tag, b.segment.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(b.tag, b.segment.get(ValueLayout.JAVA_BYTE, n - 1));
            assertEquals(b.tag, b.segment.get(ValueLayout.JAVA_BYTE, n / 2));
        }

        void close() {
            for (Arena a : arenas) {
                a.close();
            }
            pool.close();
        }

        @Override
        public String toString() {
            return live.size() + " live blocks, " + arenas.size() + " open arenas";
        }
    }

    @Property(tries = 100, shrinking = net.jqwik.api.ShrinkingMode.BOUNDED)
    void heapMatchesModelAfterEveryStep(@ForAll("chains") ActionChain<Model> chain) {
        chain.withInvariant("verify", Model::check).run();
        chain.finalState().ifPresent(Model::close);
    }

    @Provide
    Arbitrary<ActionChain<Model>> chains() {
        return ActionChain.startWith(Model::new)
                .withAction(6, new Allocate())
                .withAction(5, new Free())
                .withAction(1, new Reallocate())
                .withAction(1, new OpenArena())
                .withAction(2, new AllocateInArena())
                .withAction(1, new CloseArena())
                .withMaxTransformations(1000);
    }

    @AfterContainer
    static void atLeastHundredThousandSteps() {
        System.out.println("state-machine steps: " + STEPS.get());
        assertTrue(STEPS.get() >= 100_000, "steps run: " + STEPS.get());
    }

    static final class Allocate implements Action.Independent<Model> {
        @Override
        public Arbitrary<Transformer<Model>> transformer() {
            // Mostly pool sizes; now and then the large tier (up to its 1 MiB bound) and the huge tier past it.
            return net.jqwik.api.Combinators.combine(
                    Arbitraries.frequencyOf(
                            net.jqwik.api.Tuple.of(30, Arbitraries.integers().between(1, 512)
                                    .edgeCases(c -> c.includeOnly(1, 16, 17, 512))),
                            net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(513, 1 << 20)),
                            net.jqwik.api.Tuple.of(1, Arbitraries.integers().between((1 << 20) + 1, 3 << 20))),
                    Arbitraries.of(1, 1, 1, 8, 32, 64, 256),
                    Arbitraries.of(true, false)).as((size, align, raw) -> {
                        int alignment = size <= 512 && (size + align - 1) / align * align > 512 ? 1 : align;
                        return Transformer.mutate("allocate " + size + " align " + alignment + (raw ? " raw" : ""),
                                m -> m.allocate(size, alignment, raw));
                    });
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

    static final class Reallocate implements Action.Dependent<Model> {
        @Override
        public boolean precondition(Model m) {
            return !m.live.isEmpty();
        }

        @Override
        public Arbitrary<Transformer<Model>> transformer(Model m) {
            return net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, m.live.size() - 1),
                    Arbitraries.integers().between(1, 512)).as((i, size) -> Transformer.mutate(
                            "reallocate #" + i + " to " + size, model -> model.reallocate(i, size)));
        }
    }

    static final class OpenArena implements Action.Independent<Model> {
        @Override
        public Arbitrary<Transformer<Model>> transformer() {
            return Arbitraries.just(Transformer.mutate("open arena", Model::openArena));
        }
    }

    static final class AllocateInArena implements Action.Dependent<Model> {
        @Override
        public boolean precondition(Model m) {
            return !m.arenas.isEmpty();
        }

        @Override
        public Arbitrary<Transformer<Model>> transformer(Model m) {
            return net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, m.arenas.size() - 1),
                    Arbitraries.integers().between(1, 512)).as((i, size) -> Transformer.mutate(
                            "allocate " + size + " in arena #" + i, model -> model.allocateInArena(i, size)));
        }
    }

    static final class CloseArena implements Action.Dependent<Model> {
        @Override
        public boolean precondition(Model m) {
            return !m.arenas.isEmpty();
        }

        @Override
        public Arbitrary<Transformer<Model>> transformer(Model m) {
            return Arbitraries.integers().between(0, m.arenas.size() - 1)
                    .map(i -> Transformer.mutate("close arena #" + i, model -> model.closeArena(i)));
        }
    }
}
