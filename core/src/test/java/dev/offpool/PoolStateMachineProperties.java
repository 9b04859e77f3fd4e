package dev.offpool;

import dev.offpool.testing.Draw;
import dev.offpool.testing.StateMachine;
import dev.offpool.testing.Step;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random sequences of allocate / free / reallocate / pooled-arena open, allocate and close, over every tier, checked
 * against a model after every step: verify() passes, every live block holds its own tag over its whole size, and
 * nothing bleeds into a neighbour. Small arenas and pools so that arenas open and close often.
 */
class PoolStateMachineProperties {
    static final int TRIES = 100;
    static final int STEPS_PER_TRY = 1000;

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

    @Test
    void heapMatchesModelAfterEveryStep() {
        StateMachine.Summary run = StateMachine.startingWith(Model::new)
                .action(6, PoolStateMachineProperties::allocate)
                .action(5, m -> !m.live.isEmpty(), PoolStateMachineProperties::free)
                .action(1, m -> !m.live.isEmpty(), PoolStateMachineProperties::reallocate)
                .action(1, (m, draw) -> Step.of("open arena", Model::openArena))
                .action(2, m -> !m.arenas.isEmpty(), PoolStateMachineProperties::allocateInArena)
                .action(1, m -> !m.arenas.isEmpty(), PoolStateMachineProperties::closeArena)
                .invariant(Model::check)
                .closeWith(Model::close)
                .run(TRIES, STEPS_PER_TRY);
        System.out.println("state-machine steps: " + run.steps());
        assertEquals(run.tries() * (long) STEPS_PER_TRY, run.steps(), "every try takes all its steps");
    }

    static Step<Model> allocate(Model m, Draw draw) {
        // Mostly pool sizes; now and then the large tier (up to its 1 MiB bound) and the huge tier past it.
        int size = switch (draw.weightedIndex(30, 3, 1)) {
            case 0 -> draw.intBetween(1, 512, Draw.edges(1, 16, 17, 512));
            case 1 -> draw.intBetween(513, 1 << 20);
            default -> draw.intBetween((1 << 20) + 1, 3 << 20);
        };
        int align = draw.oneOf(1, 1, 1, 8, 32, 64, 256);
        boolean raw = draw.coin();
        int alignment = size <= 512 && (size + align - 1) / align * align > 512 ? 1 : align;
        return Step.of("allocate " + size + " align " + alignment + (raw ? " raw" : ""),
                model -> model.allocate(size, alignment, raw));
    }

    static Step<Model> free(Model m, Draw draw) {
        int i = draw.intBetween(0, m.live.size() - 1);
        return Step.of("free #" + i, model -> i < model.live.size(), model -> model.free(i));
    }

    static Step<Model> reallocate(Model m, Draw draw) {
        int i = draw.intBetween(0, m.live.size() - 1);
        int size = draw.intBetween(1, 512);
        return Step.of("reallocate #" + i + " to " + size, model -> i < model.live.size(),
                model -> model.reallocate(i, size));
    }

    static Step<Model> allocateInArena(Model m, Draw draw) {
        int i = draw.intBetween(0, m.arenas.size() - 1);
        int size = draw.intBetween(1, 512);
        return Step.of("allocate " + size + " in arena #" + i, model -> i < model.arenas.size(),
                model -> model.allocateInArena(i, size));
    }

    static Step<Model> closeArena(Model m, Draw draw) {
        int i = draw.intBetween(0, m.arenas.size() - 1);
        return Step.of("close arena #" + i, model -> i < model.arenas.size(), model -> model.closeArena(i));
    }
}
