package com.example.bufferapps;

import dev.offpool.OffPool;
import dev.offpool.PoolStats;
import dev.offpool.agent.Redirects;
import dev.offpool.spi.RedirectSource;

import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static com.example.bufferapps.Checks.check;

/**
 * Drops redirected buffers and waits (System.gc() in a bounded loop) for their blocks to come back; keeps a slice, a
 * duplicate and a typed view of buffers whose roots are gone, and checks their blocks stay until they go too.
 *
 * <p>The buffers are made on threads that end before the checks: a small buffer lives in its thread's slab, which
 * goes back only when it is no longer the thread's current one (full, or the thread ended) and every buffer in it is
 * dead. With {@code slabMaxBytes=0} every buffer has a block of its own and the same checks hold.
 */
public final class GcReleaseApp {
    private static final int BUFFERS = 2_000;

    private GcReleaseApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        onEndedThread(() -> {
            for (int i = 0; i < BUFFERS; i++) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(i % 2 == 0 ? 64 : 4096);
                buffer.putInt(0, i);
            }
            return null;
        });
        check("allRedirected", Redirects.stats().redirected() == BUFFERS, Redirects.stats());
        boolean released = gcUntil(() -> Redirects.stats().liveBuffers() == 0);
        RedirectSource.Totals stats = Redirects.stats();
        check("droppedBuffersAreFreedByTheGc", released && stats.freedByGc() == BUFFERS && stats.liveBytes() == 0,
                stats);
        PoolStats pool = OffPool.global().stats();
        check("poolShowsNoBlockInUse", pool.blocksInUse() == 0 && pool.bytesInAllocatedBlocks() == 0
                && pool.large().liveBlocks() == 0, pool.toTable());

        ByteBuffer slice = onEndedThread(GcReleaseApp::sliceOfDroppedRoot);
        ByteBuffer duplicate = onEndedThread(GcReleaseApp::duplicateOfDroppedRoot);
        LongBuffer longs = onEndedThread(GcReleaseApp::longViewOfDroppedRoot);
        gcUntil(() -> false, 5);
        stats = Redirects.stats();
        check("liveViewsKeepTheirBlocks", stats.liveBuffers() == 3 && stats.freedByGc() == BUFFERS, stats);
        check("sliceStillReadsItsBytes", slice.get(0) == 11 && slice.get(slice.limit() - 1) == 12);
        check("duplicateStillReadsItsBytes", duplicate.getInt(0) == 0xCAFE);
        check("typedViewStillReadsItsValues", longs.get(3) == 33L);

        slice = null;
        duplicate = null;
        longs = null;
        released = gcUntil(() -> Redirects.stats().liveBuffers() == 0);
        stats = Redirects.stats();
        check("blocksGoOnceTheViewsGo", released && stats.freedByGc() == BUFFERS + 3, stats);
        Checks.finish();
    }

    private static ByteBuffer sliceOfDroppedRoot() {
        ByteBuffer root = ByteBuffer.allocateDirect(256);
        root.put(100, (byte) 11).put(199, (byte) 12);
        return root.slice(100, 100);
    }

    private static ByteBuffer duplicateOfDroppedRoot() {
        ByteBuffer root = ByteBuffer.allocateDirect(1000);
        root.putInt(0, 0xCAFE);
        return root.duplicate();
    }

    private static LongBuffer longViewOfDroppedRoot() {
        ByteBuffer root = ByteBuffer.allocateDirect(64);
        root.putLong(24, 33L);
        return root.asLongBuffer();
    }

    /** {@return what {@code work} returns, run on a platform thread that has ended by then} */
    static <T> T onEndedThread(Supplier<T> work) throws InterruptedException {
        AtomicReference<T> result = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().start(() -> result.set(work.get()));
        thread.join();
        return result.get();
    }

    /** Collects until {@code done} holds, at most 100 rounds of System.gc() and 50 ms. */
    static boolean gcUntil(BooleanSupplier done) throws InterruptedException {
        return gcUntil(done, 100);
    }

    static boolean gcUntil(BooleanSupplier done, int rounds) throws InterruptedException {
        for (int i = 0; i < rounds; i++) {
            if (done.getAsBoolean()) {
                return true;
            }
            System.gc();
            Thread.sleep(50);
        }
        return done.getAsBoolean();
    }
}
