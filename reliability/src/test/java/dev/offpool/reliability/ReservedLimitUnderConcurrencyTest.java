package dev.offpool.reliability;

import dev.offpool.OffPool;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.PoolStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Suite 4 of the reliability suite: the reserved-bytes limit reached by several threads at once.
 *
 * <p>{@value #THREADS} threads each try to hold up to half the limit in blocks of every tier (so together they want
 * twice what the limit allows), freeing half of what they hold whenever the allocator refuses; one more thread fills
 * pooled arenas until they refuse, then closes them; a monitor thread takes {@code stats()} and
 * {@code reservedBytes()} throughout. What must hold:
 * <ul>
 *   <li>the only failure is {@link OutOfPoolMemoryException} with {@code limitReached()} and a message naming the
 *       limit (an {@link OutOfMemoryError} caused by one, from a pooled arena, as a JDK arena would throw); a
 *       reallocate refused this way leaves its block as it was;</li>
 *   <li>reserved bytes never pass the limit, and every snapshot adds up;</li>
 *   <li>every block keeps its content tag;</li>
 *   <li>after everything is freed: no live block, {@code verify()} clean, and {@code trim()} hands back every
 *       reserved byte; then the whole limit is usable again, as one block and as many small ones.</li>
 * </ul>
 * It runs on the mmap page source and on JDK arenas, and in each {@link Mode}. Operations per thread:
 * {@code -Doffpool.reliability.limitOpsPerThread} (a tenth of that in checked mode).
 */
class ReservedLimitUnderConcurrencyTest {
    static final int THREADS = 4;
    static final long LIMIT_BYTES = 32L << 20;
    static final long OPS_PER_THREAD = Long.getLong("offpool.reliability.limitOpsPerThread", 20_000);

    /** A block a worker holds. */
    record Held(MemorySegment segment, long id) {
    }

    static List<Arguments> sourcesAndModes() {
        return List.of(Arguments.of(PageSources.MMAP, Mode.DEFAULT), Arguments.of(PageSources.JDK_ARENAS, Mode.DEFAULT),
                Arguments.of(PageSources.MMAP, Mode.SCRUB_ON_FREE), Arguments.of(PageSources.MMAP, Mode.CHECKED));
    }

    @ParameterizedTest
    @MethodSource("sourcesAndModes")
    void theLimitReachedByManyThreadsFailsCleanlyAndEverythingComesBack(PageSources source, Mode mode)
            throws Exception {
        // Checked mode costs several times more per operation (guards, a shared arena per segment): a tenth as many.
        long operationsPerThread = mode == Mode.CHECKED ? Math.max(1, OPS_PER_THREAD / 10) : OPS_PER_THREAD;
        try (OffPool pool = mode.apply(OffPool.builder().pageSource(source.create()).maxReservedBytes(LIMIT_BYTES))
                .build()) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong refusals = new AtomicLong();
            AtomicLong arenaRefusals = new AtomicLong();
            AtomicLong operations = new AtomicLong();
            AtomicBoolean running = new AtomicBoolean(true);
            CyclicBarrier start = new CyclicBarrier(THREADS + 1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long seed = 0xC0FFEEL * 31 + t;
                threads.add(Thread.ofPlatform().name("limit-" + t).start(() -> guard(failure, () -> {
                    start.await();
                    hold(pool, new SplittableRandom(seed), operationsPerThread, refusals, operations);
                })));
            }
            threads.add(Thread.ofPlatform().name("limit-arenas").start(() -> guard(failure, () -> {
                start.await();
                fillArenas(pool, new SplittableRandom(7), running, arenaRefusals);
            })));
            Thread monitor = Thread.ofPlatform().name("limit-monitor").start(() -> guard(failure, () -> {
                while (running.get()) {
                    checkSnapshot(pool);
                }
            }));
            for (Thread thread : threads.subList(0, THREADS)) {
                thread.join();
            }
            running.set(false);
            threads.getLast().join();
            monitor.join();
            assertNull(failure.get(), () -> "unexpected failure: " + failure.get());
            assertTrue(refusals.get() > 0, "the threads reached the limit");

            pool.trim(); // also empties checked mode's quarantine, whose blocks the tiers still count
            pool.verify();
            PoolStats stats = pool.stats();
            assertEquals(0, stats.blocksInUse() + stats.large().liveBlocks() + stats.huge().blocks(), stats::toTable);
            assertEquals(0, pool.reservedBytes(), () -> "reserved after every block is freed and trim()\n"
                    + pool.stats().toTable());

            // Checked mode adds 32 bytes of guards to each block: one page less leaves room for them.
            long wholeBytes = mode == Mode.CHECKED ? LIMIT_BYTES - 4096 : LIMIT_BYTES;
            MemorySegment whole = pool.allocate(wholeBytes);
            whole.fill((byte) 1);
            pool.free(whole);
            pool.trim();
            long held = fillWithSmallBlocksUntilRefused(pool);
            long footprint = mode == Mode.CHECKED ? 64 + 32 : 64;
            assertTrue(held >= LIMIT_BYTES * 9 / 10 * 64 / footprint, "64-byte blocks got only " + held
                    + " bytes of the limit");

            System.out.printf("[reliability] limit under concurrency (%s, %s): %d threads x %,d operations and a "
                            + "pooled arena filler against a %d MiB limit: %,d clean refusals (%,d in arenas), "
                            + "reserved never over the limit, all back after frees; then a %,d-byte block, and %,d "
                            + "bytes of 64-byte blocks%n", source, mode, THREADS, operationsPerThread,
                    LIMIT_BYTES >> 20, refusals.get(), arenaRefusals.get(), wholeBytes, held);
        }
    }

    @Test
    void inCheckedModeTheQuarantineGivesWayBeforeTheLimitRefuses() {
        // Nothing is live when the second request comes: the first block is only quarantined, and what is only held
        // must be given back before a refusal, as the thread caches and the spare arena and chunk are.
        try (OffPool pool = OffPool.builder().checked(true).maxReservedBytes(8L << 20).build()) {
            pool.free(pool.allocate(3L << 20));
            MemorySegment second = pool.allocate(6L << 20);
            pool.free(second);
            pool.trim();
            assertEquals(0, pool.reservedBytes());
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void guard(AtomicReference<Throwable> failure, Body body) {
        try {
            body.run();
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    /** Holds up to half the limit, frees half of what it holds on each refusal, and frees everything at the end. */
    private static void hold(OffPool pool, SplittableRandom random, long operationsPerThread, AtomicLong refusals,
                             AtomicLong operations) {
        List<Held> held = new ArrayList<>();
        long heldBytes = 0;
        long id = random.nextLong() & 0xFFFF_FFFFL;
        for (long op = 0; op < operationsPerThread; op++) {
            int choice = random.nextInt(10);
            try {
                if (choice < 6 && heldBytes < LIMIT_BYTES / 2) {
                    long size = random.nextInt(20) == 0 ? random.nextLong(64 << 10, 4 << 20) : SizeMix.draw(random);
                    MemorySegment segment = random.nextBoolean() ? pool.allocate(size)
                            : MemorySegment.ofAddress(pool.allocateAddress(size)).reinterpret(size);
                    ContentTags.checkZero(segment, 0, size, "fresh block");
                    ContentTags.write(segment, ++id);
                    held.add(new Held(segment, id));
                    heldBytes += size;
                } else if (choice < 8 && !held.isEmpty()) {
                    int i = random.nextInt(held.size());
                    Held block = held.get(i);
                    long newSize = SizeMix.draw(random);
                    try {
                        MemorySegment moved = pool.reallocate(block.segment(), newSize);
                        ContentTags.checkPrefix(moved, block.id(), block.segment().byteSize(),
                                Math.min(newSize, block.segment().byteSize()), "reallocated block");
                        ContentTags.write(moved, ++id);
                        held.set(i, new Held(moved, id));
                        heldBytes += newSize - block.segment().byteSize();
                    } catch (OutOfPoolMemoryException e) {
                        ContentTags.check(block.segment(), block.id(), "block whose reallocate was refused");
                        throw e;
                    }
                } else if (!held.isEmpty()) {
                    heldBytes -= free(pool, held, random.nextInt(held.size()));
                }
            } catch (OutOfPoolMemoryException e) {
                assertCleanRefusal(e);
                refusals.incrementAndGet();
                for (int n = held.size() / 2; n > 0; n--) {
                    heldBytes -= free(pool, held, random.nextInt(held.size()));
                }
            }
            operations.incrementAndGet();
        }
        while (!held.isEmpty()) {
            free(pool, held, held.size() - 1);
        }
    }

    private static long free(OffPool pool, List<Held> held, int index) {
        Held block = held.get(index);
        held.set(index, held.getLast());
        held.removeLast();
        ContentTags.check(block.segment(), block.id(), "held block");
        pool.freeAddress(block.segment().address());
        return block.segment().byteSize();
    }

    /** Fills pooled arenas until one is refused, then closes them all; again until told to stop. */
    private static void fillArenas(OffPool pool, SplittableRandom random, AtomicBoolean running,
                                   AtomicLong refusals) {
        while (running.get()) {
            List<Arena> arenas = new ArrayList<>();
            try {
                Arena arena = pool.newSharedArena();
                arenas.add(arena);
                for (int i = 0; i < 10_000 && running.get(); i++) {
                    if (i % 100 == 99) {
                        arena = pool.newSharedArena();
                        arenas.add(arena);
                    }
                    MemorySegment segment = arena.allocate(SizeMix.draw(random));
                    ContentTags.checkZero(segment, 0, segment.byteSize(), "arena segment");
                    segment.fill((byte) 7);
                }
            } catch (OutOfMemoryError e) {
                if (!(e.getCause() instanceof OutOfPoolMemoryException cause)) {
                    throw new AssertionError("a pooled arena's OutOfMemoryError must carry the refusal", e);
                }
                assertCleanRefusal(cause);
                refusals.incrementAndGet();
            } finally {
                arenas.forEach(Arena::close);
            }
        }
    }

    private static void assertCleanRefusal(OutOfPoolMemoryException e) {
        if (!e.limitReached() || !e.getMessage().contains("limit")) {
            throw new AssertionError("a refusal other than the limit: " + e, e);
        }
    }

    private static void checkSnapshot(OffPool pool) {
        long reserved = pool.reservedBytes();
        if (reserved > LIMIT_BYTES) {
            throw new AssertionError(reserved + " bytes reserved, over the limit of " + LIMIT_BYTES);
        }
        PoolStats stats = pool.stats();
        if (stats.reservedBytes() > LIMIT_BYTES || stats.bytesInArenas() != stats.accountedBytes()
                || stats.large().bytesInChunks() != stats.large().accountedBytes() || stats.blocksInUse() < 0
                || stats.bytesInCachedBlocks() < 0 || stats.bytesInAllocatedBlocks() < 0) {
            throw new AssertionError("an inconsistent snapshot:\n" + stats.toTable());
        }
    }

    private static long fillWithSmallBlocksUntilRefused(OffPool pool) {
        List<Long> blocks = new ArrayList<>();
        try {
            while (true) {
                blocks.add(pool.allocateAddress(64));
            }
        } catch (OutOfPoolMemoryException e) {
            assertCleanRefusal(e);
        }
        blocks.forEach(pool::freeAddress);
        return blocks.size() * 64L;
    }
}
