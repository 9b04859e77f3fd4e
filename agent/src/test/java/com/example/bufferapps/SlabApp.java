package com.example.bufferapps;

import dev.offpool.OffPool;
import dev.offpool.agent.Redirects;
import dev.offpool.spi.RedirectSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static com.example.bufferapps.Checks.check;
import static com.example.bufferapps.Checks.throwsIt;
import static com.example.bufferapps.GcReleaseApp.gcUntil;
import static com.example.bufferapps.GcReleaseApp.onEndedThread;

/**
 * Small buffers in slabs (the default slabMaxBytes=512): when a slab goes back (GC, or explicit frees at seal time),
 * what keeps it, double and view frees, frees from other threads, virtual threads, sites, the limit. Every buffer is
 * made on a thread that ends before the checks that need its slab released, except the virtual threads' (their
 * shared stripes keep a current slab for good), which run last. {@code limit}: run with
 * -XX:MaxDirectMemorySize=64k instead.
 */
@SuppressWarnings("removal")
public final class SlabApp {
    private static final int SLAB_BYTES = 32 * 1024;
    private static final sun.misc.Unsafe UNSAFE = InvokeCleanerApp.unsafe();

    private SlabApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && args[0].equals("limit")) {
            limitCountsWholeSlabs();
        } else {
            gcReleasesASlabOnceItsThreadEndedAndItsBuffersDied();
            liveViewKeepsItsSlab();
            segmentOfABufferKeepsItsSlab();
            explicitFreesReleaseTheSlabAtSealOrAtTheLastFree();
            secondFreeIsANoOp();
            freeOfAViewThrowsAsTheJdks();
            buffersFreedByAnotherThread();
            sitesCountSlabBuffersWhileAndAfterTheirSlabIsOpen();
            virtualThreadsShareStripedSlabs();
        }
        Checks.finish();
    }

    private static void gcReleasesASlabOnceItsThreadEndedAndItsBuffersDied() throws InterruptedException {
        long blocksBefore = OffPool.global().stats().blocksInUse();
        onEndedThread(() -> {
            for (int i = 0; i < 600; i++) { // two slabs: 512 buffers of 64 bytes fill one
                ByteBuffer.allocateDirect(64).putLong(56, i);
            }
            return null;
        });
        check("droppedSlabBuffersAreCounted", Redirects.stats().redirected() == 600 && Redirects.stats().liveBytes()
                == 2 * SLAB_BYTES, Redirects.stats());
        boolean released = gcUntil(() -> Redirects.stats().liveBytes() == 0);
        RedirectSource.Totals stats = Redirects.stats();
        check("slabsComeBackWhenTheirBuffersDie", released && stats.freedByGc() == 600 && stats.liveBuffers() == 0,
                stats);
        check("poolShowsTheSlabsBlocksFree", OffPool.global().stats().blocksInUse() == blocksBefore,
                OffPool.global().stats().toTable());
    }

    private static void liveViewKeepsItsSlab() throws InterruptedException {
        ByteBuffer slice = onEndedThread(() -> {
            ByteBuffer root = ByteBuffer.allocateDirect(64);
            root.put(20, (byte) 42);
            return root.slice(16, 16);
        });
        gcUntil(() -> false, 5);
        check("aLiveSliceKeepsItsSlab", Redirects.stats().liveBytes() == SLAB_BYTES && slice.get(4) == 42,
                Redirects.stats());
        slice = null;
        check("theSlabGoesWithTheSlice", gcUntil(() -> Redirects.stats().liveBytes() == 0), Redirects.stats());
    }

    private static void segmentOfABufferKeepsItsSlab() throws InterruptedException {
        MemorySegment segment = onEndedThread(() -> {
            ByteBuffer root = ByteBuffer.allocateDirect(128);
            root.putInt(100, 0xBEEF);
            return MemorySegment.ofBuffer(root);
        });
        gcUntil(() -> false, 5);
        check("aLiveSegmentOfABufferKeepsItsSlab", Redirects.stats().liveBytes() == SLAB_BYTES
                && segment.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 100) == 0xBEEF,
                Redirects.stats());
        segment = null;
        check("theSlabGoesWithTheSegment", gcUntil(() -> Redirects.stats().liveBytes() == 0), Redirects.stats());
    }

    private static void explicitFreesReleaseTheSlabAtSealOrAtTheLastFree() throws InterruptedException {
        long freedBefore = Redirects.stats().freedExplicitly();
        onEndedThread(() -> {
            List<ByteBuffer> first = allocate(512, 64); // fills one slab exactly
            boolean allFreed = true;
            for (ByteBuffer buffer : first) {
                allFreed &= Redirects.free(buffer);
            }
            check("freesOfACurrentSlabsBuffersKeepIt", allFreed && Redirects.stats().liveBytes() == SLAB_BYTES,
                    Redirects.stats());
            List<ByteBuffer> second = allocateMore(512, 64); // the first buffer seals the first slab
            check("aSealedSlabWhoseBuffersWereAllFreedIsReleased", Redirects.stats().liveBytes() == SLAB_BYTES,
                    Redirects.stats());
            for (ByteBuffer buffer : second.subList(1, second.size())) {
                Redirects.free(buffer);
            }
            allocateOne(64); // seals the second slab, one buffer still live
            check("aSealedSlabWithALiveBufferStays", Redirects.stats().liveBytes() == 2 * SLAB_BYTES,
                    Redirects.stats());
            UNSAFE.invokeCleaner(second.get(0));
            check("theLastFreeOfASealedSlabReleasesIt", Redirects.stats().liveBytes() == SLAB_BYTES,
                    Redirects.stats());
            return null;
        });
        check("explicitFreesAreCountedPerBuffer", Redirects.stats().freedExplicitly() - freedBefore == 1024,
                Redirects.stats());
        check("theThreadsLastSlabGoesByTheGc", gcUntil(() -> Redirects.stats().liveBytes() == 0), Redirects.stats());
    }

    private static void secondFreeIsANoOp() throws InterruptedException {
        onEndedThread(() -> {
            long before = Redirects.stats().freedExplicitly();
            ByteBuffer freedTwice = ByteBuffer.allocateDirect(64);
            check("firstFreeFrees", Redirects.free(freedTwice) && !Redirects.isRedirected(freedTwice));
            check("secondFreeReturnsFalse", !Redirects.free(freedTwice));
            ByteBuffer cleanedTwice = ByteBuffer.allocateDirect(200);
            UNSAFE.invokeCleaner(cleanedTwice);
            UNSAFE.invokeCleaner(cleanedTwice);
            check("secondInvokeCleanerDoesNothing", Redirects.stats().freedExplicitly() - before == 2,
                    Redirects.stats());
            return null;
        });
    }

    private static void freeOfAViewThrowsAsTheJdks() throws InterruptedException {
        onEndedThread(() -> {
            ByteBuffer root = ByteBuffer.allocateDirect(64);
            throwsIt("invokeCleanerOnASlabBuffersSliceThrows", IllegalArgumentException.class,
                    () -> UNSAFE.invokeCleaner(root.slice(0, 8)));
            throwsIt("invokeCleanerOnASlabBuffersDuplicateThrows", IllegalArgumentException.class,
                    () -> UNSAFE.invokeCleaner(root.duplicate()));
            throwsIt("invokeCleanerOnASlabBuffersReadOnlyViewThrows", IllegalArgumentException.class,
                    () -> UNSAFE.invokeCleaner(root.asReadOnlyBuffer()));
            check("freeOfASlabBuffersViewIsRefused", !Redirects.free(root.duplicate())
                    && !Redirects.free(root.slice(16, 16)) && !Redirects.isRedirected(root.duplicate()));
            check("theRootIsStillLive", Redirects.isRedirected(root) && Redirects.free(root));
            return null;
        });
    }

    private static void buffersFreedByAnotherThread() throws InterruptedException {
        long before = Redirects.stats().freedExplicitly();
        List<ByteBuffer> buffers = onEndedThread(() -> allocate(100, 128));
        AtomicInteger freed = new AtomicInteger();
        onEndedThread(() -> {
            for (int i = 0; i < buffers.size(); i++) {
                if (i % 2 == 0) {
                    freed.addAndGet(Redirects.free(buffers.get(i)) ? 1 : 0);
                } else {
                    UNSAFE.invokeCleaner(buffers.get(i));
                    freed.addAndGet(Redirects.isRedirected(buffers.get(i)) ? 0 : 1);
                }
            }
            return null;
        });
        check("anotherThreadFreesSlabBuffers", freed.get() == 100
                && Redirects.stats().freedExplicitly() - before == 100, Redirects.stats());
    }

    private static void sitesCountSlabBuffersWhileAndAfterTheirSlabIsOpen() throws InterruptedException {
        List<ByteBuffer> kept = onEndedThread(() -> {
            List<ByteBuffer> held = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                held.add(holdSmall(100));
            }
            check("anOpenSlabsBuffersCountAtTheirSite", site("holdSmall(int)", 10, 1000, 10), Redirects.sites());
            for (int i = 0; i < 4; i++) {
                Redirects.free(held.remove(held.size() - 1));
            }
            check("explicitFreesCountAtOnce", site("holdSmall(int)", 6, 600, 10), Redirects.sites());
            allocate(300, 100); // fills the slab from another site and seals it
            check("aSealedSlabsBuffersCountTheSame", site("holdSmall(int)", 6, 600, 10), Redirects.sites());
            return held;
        });
        check("heldBuffersStayCounted", site("holdSmall(int)", 6, 600, 10), Redirects.sites());
        kept = null;
        check("theReleaseTakesTheRestOff", gcUntil(() -> site("holdSmall(int)", 0, 0, 10)), Redirects.sites());
    }

    private static void virtualThreadsShareStripedSlabs() throws InterruptedException {
        int threads = 10_000;
        ByteBuffer[] buffers = new ByteBuffer[threads];
        List<Thread> started = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int index = i;
            started.add(Thread.ofVirtual().start(() -> {
                buffers[index] = ByteBuffer.allocateDirect(64);
                buffers[index].putInt(0, index);
                if (index % 2 == 0) {
                    Redirects.free(ByteBuffer.allocateDirect(32)); // a free on a virtual thread
                }
            }));
        }
        for (Thread thread : started) {
            thread.join();
        }
        boolean intact = true;
        for (int i = 0; i < threads; i++) {
            intact &= Redirects.isRedirected(buffers[i]) && buffers[i].getInt(0) == i;
        }
        check("virtualThreadsGetSlabBuffers", intact);
        // 10,000 buffers of 64 bytes and 5,000 of 32 fill 25 slabs; one slab per virtual thread would be 10,000.
        long slabs = Redirects.stats().liveBytes() / SLAB_BYTES;
        check("virtualThreadsShareAFewSlabs", slabs <= 25 + 2L * Runtime.getRuntime().availableProcessors() + 2,
                Redirects.stats());
        long before = Redirects.stats().freedExplicitly();
        onEndedThread(() -> {
            for (ByteBuffer buffer : buffers) {
                Redirects.free(buffer);
            }
            return null;
        });
        check("aPlatformThreadFreesVirtualThreadsBuffers", Redirects.stats().freedExplicitly() - before == threads,
                Redirects.stats());
    }

    private static void limitCountsWholeSlabs() throws InterruptedException {
        onEndedThread(() -> {
            List<ByteBuffer> held = allocate(1024, 64); // 64 KiB of 64-byte buffers: the JDK's whole limit
            check("buffersUpToTheJdksLimitAreRedirected", held.stream().allMatch(Redirects::isRedirected)
                    && Redirects.stats().liveBytes() == 2 * SLAB_BYTES, Redirects.stats());
            OutOfMemoryError refused = null;
            try {
                ByteBuffer.allocateDirect(64);
            } catch (OutOfMemoryError e) {
                refused = e;
            }
            check("oneMoreBufferGetsTheJdksOutOfMemoryError", refused != null && refused.getMessage().startsWith(
                    "Cannot reserve 64 bytes of direct buffer memory") && Redirects.stats().refusedAtLimit() == 1,
                    refused + " " + Redirects.stats());
            held.forEach(Redirects::free);
            check("freedBuffersMakeRoom", Redirects.isRedirected(ByteBuffer.allocateDirect(64)), Redirects.stats());
            return null;
        });
    }

    static ByteBuffer holdSmall(int bytes) {
        return ByteBuffer.allocateDirect(bytes);
    }

    /** The same as {@link #allocate}, from another call site. */
    private static List<ByteBuffer> allocateMore(int count, int bytes) {
        List<ByteBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            buffers.add(ByteBuffer.allocateDirect(bytes));
        }
        return buffers;
    }

    /** One buffer, from a call site of its own. */
    private static ByteBuffer allocateOne(int bytes) {
        return ByteBuffer.allocateDirect(bytes);
    }

    private static List<ByteBuffer> allocate(int count, int bytes) {
        List<ByteBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            buffers.add(ByteBuffer.allocateDirect(bytes));
        }
        return buffers;
    }

    private static boolean site(String method, long liveBuffers, long liveBytes, long allocations) {
        for (RedirectSource.Site site : Redirects.sites()) {
            if (site.className().equals(SlabApp.class.getName()) && site.method().equals(method)) {
                return site.liveBuffers() == liveBuffers && site.liveBytes() == liveBytes
                        && site.allocations() == allocations;
            }
        }
        return false;
    }

}
