package dev.offpool;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Threads allocate blocks of random sizes, tag each with its owner and a sequence number, and hand most of them to
 * other threads through queues to be checked and freed there. Nothing may be lost, handed out twice, or bleed.
 *
 * <p>The default suite runs a short version; {@code mvn verify -Pstress} (system property
 * {@code offpool.stress.opsPerThread}) runs a long one.
 */
class ConcurrentStressTest {
    private static final int THREADS = 4;
    private static final long OPS_PER_THREAD = Long.getLong("offpool.stress.opsPerThread", 150_000);

    private record Block(long address, int size, long tag) {
    }

    @Test
    void crossThreadFreesLoseAndDuplicateNothing() throws Exception {
        try (OffPool pool = OffPool.builder().arenaSizeBytes(256 * 1024).threadCacheBytes(16 * 1024).build()) {
            List<BlockingQueue<Block>> inboxes = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                inboxes.add(new ArrayBlockingQueue<>(4096));
            }
            ConcurrentHashMap<Long, Long> live = new ConcurrentHashMap<>();
            AtomicLong allocated = new AtomicLong();
            AtomicLong freed = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int self = t;
                threads.add(Thread.ofPlatform().name("stress-" + t).start(() -> {
                    try {
                        start.await();
                        run(pool, self, inboxes, live, allocated, freed);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            assertNull(failure.get(), () -> "a worker failed: " + failure.get());
            for (BlockingQueue<Block> inbox : inboxes) {
                for (Block b : inbox) {
                    checkAndFree(pool, b, live, freed);
                }
            }
            assertEquals(allocated.get(), freed.get(), "every block allocated was freed exactly once");
            assertEquals(0, live.size());
            pool.trim();
            pool.verify();
            PoolStats stats = pool.stats();
            assertEquals(0, stats.blocksInUse(), stats.toTable());
            assertEquals(stats.bytesInArenas(), stats.accountedBytes());
        }
    }

    private static void run(OffPool pool, int self, List<BlockingQueue<Block>> inboxes,
                            ConcurrentHashMap<Long, Long> live, AtomicLong allocated, AtomicLong freed)
            throws InterruptedException {
        SplittableRandom random = new SplittableRandom(self * 7919L);
        List<Block> own = new ArrayList<>();
        for (long op = 0; op < OPS_PER_THREAD; op++) {
            int size = 16 + random.nextInt(497);
            long address = pool.allocateAddress(size);
            long tag = ((long) self << 48) | op;
            Long previous = live.put(address, tag);
            if (previous != null) {
                throw new AssertionError("block 0x" + Long.toHexString(address) + " handed out twice");
            }
            MemorySegment s = MemorySegment.ofAddress(address).reinterpret(size);
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, tag);
            s.asSlice(8).fill((byte) tag);
            allocated.incrementAndGet();
            Block block = new Block(address, size, tag);
            int target = random.nextInt(THREADS + 1);
            if (target == THREADS || !inboxes.get(target).offer(block)) {
                own.add(block);
            }
            if (own.size() > 64) {
                checkAndFree(pool, own.remove(random.nextInt(own.size())), live, freed);
            }
            Block incoming;
            while ((incoming = inboxes.get(self).poll()) != null) {
                checkAndFree(pool, incoming, live, freed);
            }
        }
        for (Block b : own) {
            checkAndFree(pool, b, live, freed);
        }
    }

    private static void checkAndFree(OffPool pool, Block b, ConcurrentHashMap<Long, Long> live, AtomicLong freed) {
        MemorySegment s = MemorySegment.ofAddress(b.address).reinterpret(b.size);
        long tag = s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        if (tag != b.tag) {
            throw new AssertionError("block 0x" + Long.toHexString(b.address) + " lost its owner tag");
        }
        for (long i = 8; i < b.size; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != (byte) b.tag) {
                throw new AssertionError("byte " + i + " of block 0x" + Long.toHexString(b.address) + " changed");
            }
        }
        if (!live.remove(b.address, b.tag)) {
            throw new AssertionError("block 0x" + Long.toHexString(b.address) + " freed but not live");
        }
        pool.freeAddress(b.address);
        freed.incrementAndGet();
    }
}
