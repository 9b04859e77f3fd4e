package com.example.bufferapps;

import dev.offpool.agent.Redirects;
import dev.offpool.spi.RedirectSource;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static com.example.bufferapps.Checks.check;
import static com.example.bufferapps.Checks.throwsIt;

/**
 * Frees direct buffers early the way Netty does, through {@code sun.misc.Unsafe.invokeCleaner}, and through the
 * agent's explicit free. {@code honoured}: run with maxBytes=64k (the default honourInvokeCleaner=true);
 * {@code ignored}: run with honourInvokeCleaner=false.
 */
@SuppressWarnings("removal")
public final class InvokeCleanerApp {
    private static final sun.misc.Unsafe UNSAFE = unsafe();

    private InvokeCleanerApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args[0].equals("honoured")) {
            honoured();
            throughAMethodHandle();
            explicitFree();
            racingFreesFreeOnce();
        } else {
            ignored();
        }
        Checks.finish();
    }

    /** As Netty's CleanerJava9 frees: {@code invokeCleaner} found by reflection and called through a handle. */
    private static void throughAMethodHandle() {
        long before = Redirects.stats().freedExplicitly();
        ByteBuffer small = ByteBuffer.allocateDirect(64);
        ByteBuffer large = ByteBuffer.allocateDirect(8192);
        try {
            java.lang.invoke.MethodHandle clean = java.lang.invoke.MethodHandles.lookup().unreflect(
                    sun.misc.Unsafe.class.getMethod("invokeCleaner", ByteBuffer.class)).bindTo(UNSAFE);
            clean.invokeExact(small);
            clean.invokeExact(large);
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
        check("aMethodHandlesInvokeCleanerFreesRedirectedBuffersAtOnce", !Redirects.isRedirected(small)
                && !Redirects.isRedirected(large) && Redirects.stats().freedExplicitly() - before == 2,
                Redirects.stats());
    }

    private static void honoured() throws InterruptedException {
        ByteBuffer root = ByteBuffer.allocateDirect(4096);
        ByteBuffer slice = root.slice(8, 100);
        ByteBuffer duplicate = root.duplicate();
        throwsIt("invokeCleanerOnASliceThrows", IllegalArgumentException.class, () -> UNSAFE.invokeCleaner(slice));
        throwsIt("invokeCleanerOnADuplicateThrows", IllegalArgumentException.class,
                () -> UNSAFE.invokeCleaner(duplicate));
        check("viewsLeaveTheBlockLive", Redirects.isRedirected(root) && Redirects.stats().freedExplicitly() == 0);
        UNSAFE.invokeCleaner(root);
        RedirectSource.Totals stats = Redirects.stats();
        check("invokeCleanerFreesARedirectedRoot", !Redirects.isRedirected(root) && stats.freedExplicitly() == 1
                && stats.liveBuffers() == 0 && stats.liveBytes() == 0, stats);
        UNSAFE.invokeCleaner(root);
        check("secondInvokeCleanerDoesNothing", Redirects.stats().freedExplicitly() == 1);
        ByteBuffer jdkOwn = ByteBuffer.allocateDirect(100_000);
        check("outOfRangeBufferIsTheJdks", !Redirects.isRedirected(jdkOwn));
        UNSAFE.invokeCleaner(jdkOwn);
        check("invokeCleanerStillFreesJdkBuffers", Redirects.stats().freedExplicitly() == 1);
        throwsIt("invokeCleanerOnAHeapBufferThrows", IllegalArgumentException.class,
                () -> UNSAFE.invokeCleaner(ByteBuffer.allocate(16)));
        GcReleaseApp.gcUntil(() -> false, 3);
        check("explicitlyFreedBlocksAreNotFreedAgainByTheGc", Redirects.stats().freedByGc() == 0,
                Redirects.stats());
    }

    private static void explicitFree() {
        long before = Redirects.stats().freedExplicitly();
        ByteBuffer buffer = ByteBuffer.allocateDirect(64);
        check("freeOfAViewIsRefused", !Redirects.free(buffer.duplicate()) && !Redirects.free(buffer.slice(1, 10)));
        check("freeFreesOnce", Redirects.free(buffer) && !Redirects.free(buffer));
        check("freeOfAHeapBufferIsRefused", !Redirects.free(ByteBuffer.allocate(64)));
        check("freeIsCounted", Redirects.stats().freedExplicitly() == before + 1);
    }

    private static void racingFreesFreeOnce() throws InterruptedException {
        int buffers = 2_000;
        List<ByteBuffer> shared = new ArrayList<>();
        for (int i = 0; i < buffers; i++) {
            shared.add(ByteBuffer.allocateDirect(32 + i % 200));
        }
        long before = Redirects.stats().freedExplicitly();
        AtomicInteger wins = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            boolean viaCleaner = t == 0;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (ByteBuffer buffer : shared) {
                    if (viaCleaner) {
                        UNSAFE.invokeCleaner(buffer);
                    } else if (Redirects.free(buffer)) {
                        wins.incrementAndGet();
                    }
                }
            }));
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        RedirectSource.Totals stats = Redirects.stats();
        check("racingFreesFreeEachBlockOnce", stats.freedExplicitly() - before == buffers
                && stats.liveBuffers() == 0 && wins.get() <= buffers, stats + " wins=" + wins);
    }

    private static void ignored() throws InterruptedException {
        ByteBuffer root = ByteBuffer.allocateDirect(4096);
        UNSAFE.invokeCleaner(root);
        check("unhonouredInvokeCleanerLeavesTheBlockToTheGc", Redirects.isRedirected(root)
                && Redirects.stats().freedExplicitly() == 0);
        root = null;
        check("theGcFreesItLater", GcReleaseApp.gcUntil(() -> Redirects.stats().freedByGc() == 1));
    }

    /** {@return {@code sun.misc.Unsafe.theUnsafe}, for the apps that call {@code invokeCleaner}} */
    static sun.misc.Unsafe unsafe() {
        try {
            Field field = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return (sun.misc.Unsafe) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
