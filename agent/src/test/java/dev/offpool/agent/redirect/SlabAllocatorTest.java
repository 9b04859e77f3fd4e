package dev.offpool.agent.redirect;

import dev.offpool.OffPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static dev.offpool.agent.redirect.SlabAllocator.Outcome.FREED;
import static dev.offpool.agent.redirect.SlabAllocator.Outcome.LIVE;
import static dev.offpool.agent.redirect.SlabAllocator.Outcome.NOT_A_SLAB_BUFFER;
import static dev.offpool.agent.redirect.SlabAllocator.Outcome.NOT_LIVE;
import static dev.offpool.agent.redirect.SlabAllocator.Outcome.VIEW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The slab allocator in this JVM (the surefire configuration exports sun.nio.ch, as the agent does at start). Each
 * test allocates on a thread of its own that ends, so that its slabs can go back.
 */
class SlabAllocatorTest {
    private static final int SITE = CallSites.register(SlabAllocatorTest.class.getName(), "test()", 0, -1,
            CallSites.Forced.NO);

    private final AtomicLong reserved = new AtomicLong();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    private SlabAllocator allocator(boolean injectFault) {
        return new SlabAllocator(OffPool.global(), true, injectFault, reserved, failures::add);
    }

    @AfterEach
    void nothingFailedInside() {
        assertEquals(List.of(), failures);
    }

    @Test
    void rootsAndViewsAreToldApart() {
        assertTrue(BufferRoots.available(), "surefire exports java.base/sun.nio.ch to the tests");
        ByteBuffer root = Arena.ofAuto().allocate(64).asByteBuffer();
        assertTrue(!BufferRoots.isView(root) && BufferRoots.isView(root.slice(0, 8))
                && BufferRoots.isView(root.duplicate()) && BufferRoots.isView(root.asReadOnlyBuffer()));
    }

    @Test
    void buffersOfAThreadFollowEachOtherInOneZeroedSlab() throws InterruptedException {
        SlabAllocator slabs = allocator(false);
        onEndedThread(() -> {
            ByteBuffer a = slabs.allocate(64, SITE);
            ByteBuffer b = slabs.allocate(1, SITE);
            ByteBuffer c = slabs.allocate(100, SITE);
            long base = MemorySegment.ofBuffer(a).address();
            assertEquals(base + 64, MemorySegment.ofBuffer(b).address());
            assertEquals(base + 80, MemorySegment.ofBuffer(c).address(), "16-byte steps");
            for (ByteBuffer buffer : List.of(a, b, c)) {
                assertTrue(buffer.isDirect() && buffer.position() == 0 && buffer.order() == ByteOrder.BIG_ENDIAN);
                for (int i = 0; i < buffer.capacity(); i++) {
                    assertEquals(0, buffer.get(i));
                }
            }
            assertEquals(100, c.capacity());
            assertThrows(IndexOutOfBoundsException.class, () -> b.get(1));
            assertEquals(Slab.SLAB_BYTES, reserved.get());
            assertEquals(3, slabs.totals().redirected(), "an open slab's buffers count");
            return null;
        });
        gcUntil(slabs, () -> reserved.get() == 0);
        assertEquals(3, slabs.totals().freedWithSlab());
        assertEquals(0, slabs.liveSlabs());
    }

    @Test
    void freeRefusesViewsFreesARootOnceAndIgnoresOtherBuffers() throws InterruptedException {
        SlabAllocator slabs = allocator(false);
        onEndedThread(() -> {
            ByteBuffer root = slabs.allocate(64, SITE);
            assertEquals(LIVE, slabs.check(root));
            assertEquals(VIEW, slabs.free(root.duplicate()));
            assertEquals(VIEW, slabs.free(root.slice(16, 16)));
            assertEquals(NOT_LIVE, slabs.free(MemorySegment.ofBuffer(root).asSlice(16).asByteBuffer()),
                    "no buffer starts inside another");
            assertEquals(FREED, slabs.free(root));
            assertEquals(NOT_LIVE, slabs.free(root));
            assertEquals(NOT_LIVE, slabs.check(root));
            assertEquals(NOT_A_SLAB_BUFFER, slabs.free(ByteBuffer.allocateDirect(64)));
            assertEquals(NOT_A_SLAB_BUFFER, slabs.free(OffPool.global().allocate(64).asByteBuffer()));
            assertEquals(1, slabs.totals().freedExplicitly());
            return null;
        });
        gcUntil(slabs, () -> reserved.get() == 0);
    }

    @Test
    void theSitesOfBuffersThatHoldASealedSlabOfFreedOnesLeaveTheSlabsWithOrWithoutSiteAccounting()
            throws InterruptedException {
        int pinning = CallSites.register(SlabAllocatorTest.class.getName(), "pinning()", 0, -1, CallSites.Forced.NO);
        for (boolean sites : new boolean[] {true, false}) {
            SlabAllocator slabs = new SlabAllocator(OffPool.global(), sites, false, reserved,
                    failures::add);
            ByteBuffer held = onEndedThread(() -> {
                ByteBuffer kept = slabs.allocate(64, pinning);
                List<ByteBuffer> freed = new ArrayList<>();
                for (int i = 0; i < Slab.SLAB_BYTES / 64 - 1; i++) {
                    freed.add(slabs.allocate(64, SITE));
                }
                freed.forEach(buffer -> assertEquals(FREED, slabs.free(buffer)));
                slabs.allocate(64, SITE); // seals the full slab, which the kept buffer holds
                slabs.markPinningSites(System.nanoTime() - SlabAllocator.PIN_NANOS);
                assertTrue(!slabs.prefersOwnBlocks(pinning), "not before the slab was held for the pin time");
                slabs.markPinningSites(System.nanoTime());
                assertTrue(slabs.prefersOwnBlocks(pinning), "the site of the buffer that holds the slab");
                assertTrue(!slabs.prefersOwnBlocks(SITE), "a site whose buffers were freed keeps its slabs");
                return kept;
            });
            assertEquals(FREED, slabs.free(held), "the held slab's buffer is still a slab buffer");
            gcUntil(slabs, () -> reserved.get() == 0);
        }
    }

    @Test
    void aSealedSlabGoesBackWhenItsLastBufferIsFreedOnAnyThread() throws InterruptedException {
        SlabAllocator slabs = allocator(false);
        List<ByteBuffer> first = onEndedThread(() -> {
            List<ByteBuffer> buffers = new ArrayList<>();
            for (int i = 0; i < Slab.SLAB_BYTES / 256; i++) {
                buffers.add(slabs.allocate(256, SITE));
            }
            ByteBuffer next = slabs.allocate(256, SITE); // seals the full slab
            assertEquals(2L * Slab.SLAB_BYTES, reserved.get());
            assertEquals(FREED, slabs.free(next));
            return buffers;
        });
        for (int i = 1; i < first.size(); i++) {
            assertEquals(FREED, slabs.free(first.get(i)));
        }
        assertEquals(2, slabs.liveSlabs(), "one buffer of the sealed slab is live");
        AtomicReference<SlabAllocator.Outcome> last = new AtomicReference<>();
        onEndedThread(() -> {
            last.set(slabs.free(first.get(0)));
            return null;
        });
        assertEquals(FREED, last.get());
        assertEquals(1, slabs.liveSlabs(), "the last free released the sealed slab");
        assertEquals(0, slabs.totals().freedWithSlab());
        gcUntil(slabs, () -> reserved.get() == 0);
        assertEquals(0, slabs.totals().freedWithSlab(), "the ended thread's slab held one buffer, freed explicitly");
    }

    @Test
    void anEndedThreadsSlabGoesOnlyOnceItsSlotIsSwept() throws InterruptedException {
        SlabAllocator slabs = allocator(false);
        onEndedThread(() -> slabs.allocate(64, SITE));
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(1, slabs.liveSlabs(), "the ended thread's slot still holds its cursor");
        gcUntil(slabs, () -> slabs.liveSlabs() == 0);
        assertEquals(0, reserved.get());
    }

    @Test
    void aFaultLeavesNothingReserved() throws InterruptedException {
        SlabAllocator faulty = allocator(true);
        onEndedThread(() -> {
            assertThrows(IllegalStateException.class, () -> faulty.allocate(64, SITE));
            return null;
        });
        assertEquals(0, reserved.get());
        assertEquals(0, faulty.liveSlabs());
    }

    private static <T> T onEndedThread(Supplier<T> work) throws InterruptedException {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                result.set(work.get());
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        thread.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        return result.get();
    }

    /**
     * Sweeps and collects until {@code done}, at most 100 rounds; fails if it never holds. (The agent's release
     * thread sweeps; these tests have no redirector.)
     */
    private static void gcUntil(SlabAllocator slabs, BooleanSupplier done) throws InterruptedException {
        for (int i = 0; i < 100 && !done.getAsBoolean(); i++) {
            slabs.sweep();
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(done.getAsBoolean(), "not released after 100 collections");
    }
}
