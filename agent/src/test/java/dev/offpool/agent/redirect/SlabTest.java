package dev.offpool.agent.redirect;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One slab's bookkeeping: buffer states, site slots, and release exactly once. The slab's memory is never touched. */
class SlabTest {
    private static final long BASE = 0x7000_0000L;

    /** Counts what a slab publishes and what its release hands back, per site. */
    private static final class Counts implements Slab.SlabCounts {
        int published;
        int publications;
        int explicit;
        int withTheSlab;
        final Map<Integer, Long> siteBytes = new HashMap<>();
        final Map<Integer, Long> siteFreedBytes = new HashMap<>();

        @Override
        public void published(int buffers) {
            published += buffers;
            publications++;
        }

        @Override
        public void siteAllocated(int site, int buffers, long bytes) {
            siteBytes.merge(site, bytes, Long::sum);
        }

        @Override
        public void released(int explicitFrees, int rest) {
            explicit += explicitFrees;
            withTheSlab += rest;
        }

        @Override
        public void siteFreed(int site, int buffers, long bytes) {
            siteFreedBytes.merge(site, bytes, Long::sum);
        }
    }

    /** Collects what a slab holds beyond the shared counters. */
    private static final class Pending implements Slab.Pending {
        long allocated;
        long freed;
        final Map<Integer, long[]> sites = new HashMap<>();

        @Override
        public void buffers(long allocatedBuffers, long freedBuffers) {
            allocated += allocatedBuffers;
            freed += freedBuffers;
        }

        @Override
        public void site(int site, long allocations, long frees, long liveBytes) {
            sites.put(site, new long[] {allocations, frees, liveBytes});
        }
    }

    private static Slab slab(boolean sites) {
        return new Slab(BASE, Arena.ofAuto().scope(), sites);
    }

    private static int carve(Slab slab, int capacity, int site) {
        byte live = slab.liveState(site);
        int offset = slab.top;
        slab.top += (capacity + 15) & -16;
        slab.carved(offset, capacity, live);
        return offset;
    }

    @Test
    void eachSiteGetsASlotAndANinthSiteIsRefused() {
        Slab slab = slab(true);
        for (int site = 1; site <= Slab.MAX_SITES; site++) {
            assertEquals(site, slab.liveState(100 + site));
        }
        assertEquals(3, slab.liveState(103), "a known site keeps its slot");
        assertEquals(0, slab.liveState(999), "one site too many: the owner seals the slab");
        assertEquals(1, slab(false).liveState(999), "without site accounting every buffer has state 1");
    }

    @Test
    void aBufferIsFreedOnceAndOnlyWhereABufferStarts() {
        Slab slab = slab(true);
        int a = carve(slab, 40, 7);
        int b = carve(slab, 16, 8);
        assertTrue(slab.isLive(a) && slab.isLive(b));
        assertFalse(slab.isLive(a + 16), "inside a buffer: no buffer starts there");
        assertEquals(0, slab.markFreed(a + 16));
        assertEquals(1, slab.markFreed(a), "the live state: site slot 0 + 1");
        assertEquals(0, slab.markFreed(a), "a second free finds it freed");
        assertFalse(slab.isLive(a));
        assertEquals(2, slab.markFreed(b));
    }

    @Test
    void racingFreesOfEveryBufferFreeEachOnce() throws Exception {
        Slab slab = slab(false);
        int buffers = Slab.SLAB_BYTES / Slab.GRANULE_BYTES;
        for (int i = 0; i < buffers; i++) {
            carve(slab, 16, 1);
        }
        AtomicInteger wins = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(2);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                await(start);
                for (int i = 0; i < buffers; i++) {
                    if (slab.markFreed(i * Slab.GRANULE_BYTES) != 0) {
                        wins.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(buffers, wins.get());
    }

    @Test
    void theSealOrTheLastFreeReleasesExactlyOnceWhicheverComesLast() throws Exception {
        for (int trial = 0; trial < 2_000; trial++) {
            Slab slab = slab(true);
            int buffers = 1 + trial % 5;
            int[] offsets = new int[buffers];
            for (int i = 0; i < buffers; i++) {
                offsets[i] = carve(slab, 32, 1 + i % 2);
            }
            Counts counts = new Counts();
            AtomicInteger asked = new AtomicInteger();
            AtomicInteger released = new AtomicInteger();
            CyclicBarrier start = new CyclicBarrier(2);
            Runnable releaseIfAsked = () -> {
                if (slab.tryRelease()) {
                    released.incrementAndGet();
                }
            };
            Thread freer = Thread.ofPlatform().start(() -> {
                await(start);
                for (int offset : offsets) {
                    byte live = slab.markFreed(offset);
                    if (slab.freedOne(live, 32)) {
                        asked.incrementAndGet();
                        releaseIfAsked.run();
                    }
                }
            });
            await(start);
            if (slab.seal(counts)) {
                asked.incrementAndGet();
                releaseIfAsked.run();
            }
            freer.join();
            assertTrue(asked.get() >= 1, "trial " + trial + ": nobody saw the last buffer freed on a sealed slab");
            assertEquals(1, released.get(), "trial " + trial);
            assertFalse(slab.tryRelease(), "the GC's cleanup finds it released");
            slab.released(counts);
            assertEquals(buffers, counts.explicit, "every buffer was freed explicitly");
            assertEquals(0, counts.withTheSlab);
        }
    }

    @Test
    void countsArePublishedOnceAndPendingUntilTheRelease() {
        Slab slab = slab(true);
        carve(slab, 100, 11);
        int freedOne = carve(slab, 50, 12);
        carve(slab, 30, 12);
        Pending open = new Pending();
        slab.pending(open);
        assertEquals(3, open.allocated);
        assertEquals(0, open.freed);
        assertArrayEquals(new long[] {2, 0, 80}, open.sites.get(12), "an open slab's allocations are pending");

        slab.freedOne(slab.markFreed(freedOne), 50);
        Counts counts = new Counts();
        assertFalse(slab.seal(counts), "two buffers are still live");
        slab.publish(counts);
        assertEquals(1, counts.publications, "published once");
        assertEquals(3, counts.published);
        assertEquals(Map.of(11, 100L, 12, 80L), counts.siteBytes);
        Pending sealed = new Pending();
        slab.pending(sealed);
        assertEquals(0, sealed.allocated);
        assertEquals(1, sealed.freed, "explicit frees are pending until the release");
        assertArrayEquals(new long[] {0, 1, -50}, sealed.sites.get(12));

        assertTrue(slab.tryRelease());
        slab.released(counts);
        assertEquals(1, counts.explicit);
        assertEquals(2, counts.withTheSlab, "the buffers never freed explicitly go with the slab");
        assertEquals(Map.of(11, 100L, 12, 80L), counts.siteFreedBytes, "every buffer leaves its site");
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
