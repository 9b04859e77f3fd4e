package dev.offpool.reliability;

import dev.offpool.OffPool;
import dev.offpool.PoolStats;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Suite 2 of the reliability suite: {@value #THREADS} threads allocate, free and reallocate blocks of every tier
 * ({@link SizeMix}, on the segment, raw and uninitialized paths) and hand blocks to each other, so that most frees and
 * many reallocates happen on a thread other than the one that allocated the block; in each {@link Mode}.
 *
 * <p>Every block carries a content tag ({@link ContentTags}) with a unique id, and a registry maps every live
 * address to its id: an allocation whose address is already live is a block handed out twice; a tag that changed is
 * a block written by someone else. At the end, every block still held (in the threads' hands and in their inboxes)
 * is counted and checked: allocations minus frees must equal what is held (nothing lost), the stats' live blocks per
 * tier must match those counts exactly (in checked mode, whose guards move blocks between tiers, their total), and
 * after freeing them all the heap must be empty, {@code verify()} clean, and {@code trim()} must hand every reserved
 * byte back.
 *
 * <p>Operations per thread: {@code -Doffpool.reliability.opsPerThread} (the default build runs 20,000; the stress
 * profile 10^6), a tenth of that in checked mode. The threads' seeds are printed; a rerun with them draws the same
 * choices, though the interleaving (and so the addresses) differs.
 */
class CrossThreadStressTest {
    static final int THREADS = 8;
    static final long OPS_PER_THREAD = Long.getLong("offpool.reliability.opsPerThread", 20_000);
    /** A thread frees its own blocks once it holds this many, so the live set stays bounded. */
    static final int MAX_HELD_PER_THREAD = 256;
    static final long LARGE_MAX_BYTES = 1 << 20;

    /** Where a block lives: decided by its size when it is allocated or moved, kept when it is resized in place. */
    enum Tier { POOLED, LARGE, HUGE }

    /** A block in flight: owned by exactly one thread (or inbox) at a time. */
    static final class Held {
        final long address;
        final long size;
        /** The segment allocate or reallocate returned; null for a raw-path block. */
        final MemorySegment segment;
        final long id;
        final Tier tier;

        Held(long address, long size, MemorySegment segment, long id, Tier tier) {
            this.address = address;
            this.size = size;
            this.segment = segment;
            this.id = id;
            this.tier = tier;
        }

        MemorySegment view() {
            return segment != null ? segment : MemorySegment.ofAddress(address).reinterpret(size);
        }

        @Override
        public String toString() {
            return size + "-byte block #" + Long.toHexString(id) + " at 0x" + Long.toHexString(address);
        }
    }

    /** One thread's share of the run. */
    static final class Worker implements Runnable {
        final int index;
        final long seed;
        final OffPool pool;
        final List<Queue<Held>> inboxes;
        final ConcurrentHashMap<Long, Long> live;
        final List<Held> held = new ArrayList<>();
        final SplittableRandom random;
        final long operationsToDo;
        long sequence;
        long operations;
        long allocations;
        long frees;
        long crossThreadFrees;
        long reallocations;
        long crossThreadReallocations;
        long movedReallocations;
        long handoffs;

        Worker(int index, long seed, OffPool pool, List<Queue<Held>> inboxes, ConcurrentHashMap<Long, Long> live,
               long operationsToDo) {
            this.operationsToDo = operationsToDo;
            this.index = index;
            this.seed = seed;
            this.pool = pool;
            this.inboxes = inboxes;
            this.live = live;
            this.random = new SplittableRandom(seed);
        }

        @Override
        public void run() {
            Queue<Held> inbox = inboxes.get(index);
            while (operations < operationsToDo) {
                Held incoming;
                for (int k = 0; k < 8 && (incoming = inbox.poll()) != null; k++) {
                    int choice = random.nextInt(10);
                    if (choice < 6) {
                        free(incoming);
                        crossThreadFrees++;
                    } else if (choice < 9) {
                        held.add(reallocate(incoming));
                        crossThreadReallocations++;
                    } else {
                        sendAway(incoming);
                    }
                }
                int choice = random.nextInt(100);
                if (choice < 45 || held.isEmpty()) {
                    Held block = allocate();
                    if (random.nextInt(10) < 3) {
                        sendAway(block);
                    } else {
                        held.add(block);
                    }
                } else if (choice < 75) {
                    free(takeHeld());
                } else if (choice < 90) {
                    held.add(reallocate(takeHeld()));
                } else {
                    sendAway(takeHeld());
                }
                while (held.size() > MAX_HELD_PER_THREAD) {
                    free(takeHeld());
                }
            }
        }

        private Held allocate() {
            long size = SizeMix.draw(random);
            long id = ((long) index << 48) | sequence++;
            int path = random.nextInt(8);
            MemorySegment segment = path < 4 ? pool.allocate(size) : null;
            long address = segment != null ? segment.address()
                    : path < 7 ? pool.allocateAddress(size) : pool.allocateAddressUninitialized(size);
            Held block = new Held(address, size, segment, id, tierOf(size));
            Long previous = live.putIfAbsent(address, id);
            if (previous != null) {
                throw new AssertionError(block + " handed out while block #" + Long.toHexString(previous)
                        + " is live there");
            }
            if (path < 7) {
                ContentTags.checkZero(block.view(), 0, size, "fresh " + block);
            }
            ContentTags.write(block.view(), id);
            operations++;
            allocations++;
            return block;
        }

        private void free(Held block) {
            ContentTags.check(block.view(), block.id, "free of " + block);
            unregister(block);
            if (block.segment != null && random.nextBoolean()) {
                pool.free(block.segment);
            } else {
                pool.freeAddress(block.address);
            }
            operations++;
            frees++;
        }

        private Held reallocate(Held block) {
            String call = "reallocate of " + block;
            ContentTags.check(block.view(), block.id, call);
            // Half the time a size near the old one, which a pooled or large block can often take in place.
            long newSize = random.nextBoolean() ? SizeMix.draw(random)
                    : Math.max(1, block.size + random.nextLong(-block.size / 8, block.size / 8 + 1));
            unregister(block);
            MemorySegment moved = pool.reallocate(block.view(), newSize);
            long kept = Math.min(block.size, newSize);
            ContentTags.checkPrefix(moved, block.id, block.size, kept, call + " to " + newSize);
            ContentTags.checkZero(moved, kept, newSize, call + " to " + newSize);
            long id = ((long) index << 48) | sequence++;
            // A huge block shrunk in place stays huge under the large tier's bound, and so on: the address tells.
            Held resized = new Held(moved.address(), newSize, moved, id, moved.address() == block.address
                    ? block.tier : tierOf(newSize));
            Long previous = live.putIfAbsent(resized.address, id);
            if (previous != null) {
                throw new AssertionError(call + " returned " + resized + " while block #"
                        + Long.toHexString(previous) + " is live there");
            }
            ContentTags.write(moved, id);
            if (resized.address != block.address) {
                movedReallocations++;
            }
            operations++;
            reallocations++;
            return resized;
        }

        // Taken out of the registry before the allocator sees the free: the address may be handed out again at once.
        private void unregister(Held block) {
            if (!live.remove(block.address, block.id)) {
                throw new AssertionError(block + " is not live in the registry: lost or freed twice");
            }
        }

        private Tier tierOf(long size) {
            return size <= pool.pooledMaxBytes() ? Tier.POOLED : size <= LARGE_MAX_BYTES ? Tier.LARGE : Tier.HUGE;
        }

        private Held takeHeld() {
            int i = random.nextInt(held.size());
            Held block = held.get(i);
            held.set(i, held.getLast());
            held.removeLast();
            return block;
        }

        private void sendAway(Held block) {
            int target = (index + 1 + random.nextInt(THREADS - 1)) % THREADS;
            inboxes.get(target).add(block);
            handoffs++;
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void eightThreadsTradingBlocksLoseNoneAndHandNoneOutTwice(Mode mode) throws Exception {
        // Checked mode costs several times more per operation (guards, a shared arena per segment): a tenth as many.
        long operationsPerThread = mode == Mode.CHECKED ? Math.max(1, OPS_PER_THREAD / 10) : OPS_PER_THREAD;
        try (OffPool pool = mode.apply(OffPool.builder().arenaSizeBytes(256 << 10).largeMaxBytes(LARGE_MAX_BYTES))
                .build()) {
            List<Queue<Held>> inboxes = new ArrayList<>();
            ConcurrentHashMap<Long, Long> live = new ConcurrentHashMap<>();
            List<Worker> workers = new ArrayList<>();
            SplittableRandom seeds = new SplittableRandom();
            for (int t = 0; t < THREADS; t++) {
                inboxes.add(new ConcurrentLinkedQueue<>());
            }
            for (int t = 0; t < THREADS; t++) {
                workers.add(new Worker(t, seeds.nextLong(), pool, inboxes, live, operationsPerThread));
            }
            String seedList = workers.stream().map(w -> String.format("0x%016x", w.seed)).toList().toString();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Thread> threads = new ArrayList<>();
            long started = System.nanoTime();
            for (Worker worker : workers) {
                threads.add(Thread.ofPlatform().name("trader-" + worker.index).start(() -> {
                    try {
                        start.await();
                        worker.run();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            assertNull(failure.get(), () -> "a thread failed (seeds " + seedList + "): " + failure.get());

            List<Held> remaining = new ArrayList<>();
            workers.forEach(w -> remaining.addAll(w.held));
            inboxes.forEach(remaining::addAll);
            long allocations = workers.stream().mapToLong(w -> w.allocations).sum();
            long frees = workers.stream().mapToLong(w -> w.frees).sum();
            assertEquals(allocations - frees, remaining.size(), "blocks held at the end = allocations - frees");
            assertEquals(remaining.size(), live.size(), "every block in the registry is held by someone");

            long pooled = remaining.stream().filter(b -> b.tier == Tier.POOLED).count();
            long large = remaining.stream().filter(b -> b.tier == Tier.LARGE).count();
            List<Held> huge = remaining.stream().filter(b -> b.tier == Tier.HUGE).toList();
            if (mode == Mode.CHECKED) {
                pool.trim(); // the quarantine's blocks are still blocks to the tiers beneath
                PoolStats stats = pool.stats();
                assertEquals(remaining.size(), stats.blocksInUse() + stats.large().liveBlocks()
                        + stats.huge().blocks(), stats::toTable); // guards move blocks between tiers
            } else {
                PoolStats stats = pool.stats();
                assertEquals(pooled, stats.blocksInUse(), stats::toTable);
                assertEquals(large, stats.large().liveBlocks(), stats::toTable);
                assertEquals(huge.size(), stats.huge().blocks(), stats::toTable);
                assertEquals(huge.stream().mapToLong(b -> b.size).sum(), stats.huge().bytesRequested(),
                        stats::toTable);
                assertEquals(stats.bytesInArenas(), stats.accountedBytes());
            }
            pool.verify();

            for (Held block : remaining) {
                ContentTags.check(block.view(), block.id, "held at the end: " + block);
                assertEquals(block.id, live.remove(block.address));
                pool.freeAddress(block.address);
            }
            pool.trim();
            PoolStats empty = pool.stats();
            assertEquals(0, empty.blocksInUse() + empty.large().liveBlocks() + empty.huge().blocks(), empty::toTable);
            pool.verify();
            assertEquals(0, pool.reservedBytes(), () -> "reserved after freeing everything and trim()\n"
                    + pool.stats().toTable());

            long operations = workers.stream().mapToLong(w -> w.operations).sum();
            System.out.printf("[reliability] threads trading blocks (%s): %d threads x %,d operations = %,d in "
                            + "%.1f s; seeds %s%n", mode, THREADS, operationsPerThread, operations, seconds, seedList);
            System.out.printf("[reliability]   allocations %,d, frees %,d (%,d on another thread), reallocations %,d "
                            + "(%,d on another thread, %,d moved), hand-offs %,d; held at the end %,d "
                            + "(%d pooled, %d large, %d huge), checked and freed; lost 0, handed out twice 0%n",
                    allocations, frees, workers.stream().mapToLong(w -> w.crossThreadFrees).sum(),
                    workers.stream().mapToLong(w -> w.reallocations).sum(),
                    workers.stream().mapToLong(w -> w.crossThreadReallocations).sum(),
                    workers.stream().mapToLong(w -> w.movedReallocations).sum(),
                    workers.stream().mapToLong(w -> w.handoffs).sum(), remaining.size(), pooled, large, huge.size());
        }
    }
}
