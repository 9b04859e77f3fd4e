package dev.offpool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Two threads misusing one block at once: exactly one wins, the other is told, and nothing is lost or shared. */
class RaceTest {
    private static final int ROUNDS = 400;

    /** The outcome of one racer: the value it returned, or what it threw. */
    private record Outcome(Object value, Throwable thrown) {
        boolean won() {
            return thrown == null;
        }
    }

    private static Outcome[] race(Runnable first, java.util.function.Supplier<Object> second) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        Outcome[] outcomes = new Outcome[2];
        Thread a = Thread.ofPlatform().start(() -> outcomes[0] = attempt(start, () -> {
            first.run();
            return null;
        }));
        Thread b = Thread.ofPlatform().start(() -> outcomes[1] = attempt(start, second));
        a.join();
        b.join();
        return outcomes;
    }

    private static Outcome attempt(CyclicBarrier start, java.util.function.Supplier<Object> call) {
        try {
            start.await();
            return new Outcome(call.get(), null);
        } catch (Throwable e) {
            return new Outcome(null, e);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, OffPool.DEFAULT_THREAD_CACHE_BYTES})
    void reallocateRacingFreeOfOneBlockHasExactlyOneWinnerAndLeaksNothing(long threadCacheBytes) throws Exception {
        try (OffPool pool = OffPool.builder().threadCacheBytes(threadCacheBytes).build()) {
            SplittableRandom random = new SplittableRandom(7);
            int[] sizes = {48, 3000, 100_000, 2 << 20};
            for (int round = 0; round < ROUNDS; round++) {
                long size = sizes[round % sizes.length];
                long newSize = random.nextBoolean() ? size + 1 : size * 3; // in place or moved
                MemorySegment block = pool.allocate(size);
                block.set(ValueLayout.JAVA_LONG, 0, round);
                Outcome[] o = race(() -> pool.free(block), () -> pool.reallocate(block, newSize));
                assertTrue(o[0].won() ^ o[1].won(), "round " + round + ": free " + o[0] + ", reallocate " + o[1]);
                Outcome loser = o[0].won() ? o[1] : o[0];
                assertTrue(loser.thrown() instanceof InvalidFreeException, "the loser was told: " + loser.thrown());
                if (o[1].won()) {
                    MemorySegment moved = (MemorySegment) o[1].value();
                    assertEquals(round, moved.get(ValueLayout.JAVA_LONG, 0), "contents kept");
                    pool.free(moved);
                }
            }
            pool.verify();
            PoolStats stats = pool.stats();
            assertEquals(0, stats.blocksInUse(), stats.toTable());
            assertEquals(0, stats.large().liveBlocks());
            assertEquals(0, stats.huge().blocks());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 6000, 300_000, 3 << 20})
    void racingFreesOfOneBlockHaveExactlyOneWinnerInEveryTier(int size) throws Exception {
        try (OffPool pool = OffPool.builder().build()) {
            for (int round = 0; round < ROUNDS; round++) {
                MemorySegment block = pool.allocate(size);
                Outcome[] o = race(() -> pool.free(block), () -> {
                    pool.freeAddress(block.address());
                    return null;
                });
                assertTrue(o[0].won() ^ o[1].won(), "round " + round + ": " + o[0] + " / " + o[1]);
                Throwable lost = o[0].won() ? o[1].thrown() : o[0].thrown();
                assertTrue(lost instanceof InvalidFreeException, String.valueOf(lost));
            }
            pool.verify();
            assertEquals(0, pool.stats().blocksInUse());
        }
    }

    @Test
    void freeRacingCloseEitherSucceedsOrSaysTheAllocatorIsClosed() throws Exception {
        for (int round = 0; round < 200; round++) {
            OffPool pool = OffPool.builder().threadCacheBytes(round % 2 == 0 ? 0 : 4096).build();
            List<MemorySegment> blocks = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                blocks.add(pool.allocate(16 + 40L * i));
            }
            AtomicBoolean closed = new AtomicBoolean();
            AtomicReference<Throwable> surprise = new AtomicReference<>();
            Thread freer = Thread.ofPlatform().start(() -> {
                for (MemorySegment b : blocks) {
                    try {
                        if (b.byteSize() % 3 == 0) {
                            pool.reallocate(b, b.byteSize() * 2);
                        } else {
                            pool.free(b);
                        }
                    } catch (IllegalStateException e) {
                        if (!e.getMessage().contains("closed")) {
                            surprise.set(e);
                        }
                    } catch (Throwable e) {
                        surprise.set(e);
                    }
                }
            });
            Thread closer = Thread.ofPlatform().start(() -> {
                pool.close();
                closed.set(true);
            });
            freer.join();
            closer.join();
            if (surprise.get() != null) {
                fail("round " + round + ": a call racing close() threw " + surprise.get(), surprise.get());
            }
            assertTrue(closed.get() && pool.isClosed());
        }
    }

    @Test
    void statsTakenWhileOtherThreadsAllocateAreNeverNegativeAndAlwaysAddUp() throws Exception {
        try (OffPool pool = OffPool.builder().build()) {
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int seed = t;
                workers.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    List<Long> mine = new ArrayList<>();
                    while (!stop.get()) {
                        if (mine.size() < 2000 && random.nextBoolean()) {
                            mine.add(pool.allocateAddress(1 + random.nextInt(20_000)));
                        } else if (!mine.isEmpty()) {
                            pool.freeAddress(mine.remove(random.nextInt(mine.size())));
                        }
                    }
                    mine.forEach(pool::freeAddress);
                }));
            }
            try {
                for (int i = 0; i < 300; i++) {
                    PoolStats s = pool.stats();
                    assertEquals(s.bytesInArenas(), s.accountedBytes(), s.toTable());
                    assertEquals(s.large().bytesInChunks(), s.large().accountedBytes());
                    for (SizeClassStats c : s.sizeClasses()) {
                        assertTrue(c.pools() >= 0 && c.blocksInUse() >= 0 && c.blocksCached() >= 0
                                && c.blocksAvailable() >= 0, c.toString());
                    }
                    assertTrue(s.bytesInAllocatedBlocks() >= 0 && s.bytesInCachedBlocks() >= 0
                            && s.bytesInAvailableBlocks() >= 0 && s.bytesInUnusedPools() >= 0
                            && s.bytesLostToQuantization() >= 0 && s.reservedBytes() >= 0, s.toTable());
                }
            } finally {
                stop.set(true);
                for (Thread w : workers) {
                    w.join();
                }
            }
            pool.verify();
        }
    }
}
