package dev.offpool.reliability;

import dev.offpool.OffPool;
import dev.offpool.PoolStats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The soak's workload, run by {@link SoakTest} in a JVM of its own (so that nothing else moves its RSS): four threads
 * allocate at a fixed pace, blocks of 16 bytes to 4 MiB that live from an instant to minutes, and free them when
 * they expire, a quarter of them on another thread. Every few seconds it samples RSS, reserved bytes, the live bytes
 * it holds, the allocator's Java-heap metadata and the used Java heap after a GC, and prints them as
 * {@code sample key=value ...} lines for the test to read ({@value #SAMPLES} over a run, at most four a second).
 *
 * <h2>The workload</h2>
 * <pre>
 *   sizes                               lifetimes (at the 10-minute length; shorter runs scale them down)
 *   16 .. 512 B           uniform   70 %    instant (freed in the same step)   60 %
 *   512 B .. 64 KiB       log-unif. 27.8 %  10 ms .. 1 s                       30 %
 *   64 KiB .. 1 MiB       log-unif.  2 %    1 .. 30 s                           9.5 %
 *   1 .. 4 MiB            log-unif.  0.2 %  30 s .. 3 min                       0.5 %
 * </pre>
 * At {@value #ALLOCATIONS_PER_SECOND} allocations a second (paced on the clock, so the live set does not depend on
 * how fast the machine is), about 8,600 blocks and 128 MiB are live once the longest lifetime has passed, and from
 * then on the live set is stationary: its size wanders around a constant, it does not grow. Each block's bytes are
 * written whole (its content tag) and checked when it is freed.
 *
 * <p>Arguments: the run's length in seconds. The longest lifetime is 30% of the run, and so is the warm-up the test
 * discards.
 */
public final class SoakProgram {
    static final int THREADS = 4;
    static final int ALLOCATIONS_PER_SECOND = 4000;
    /** At the full length; shorter runs scale lifetimes by {@code seconds / FULL_LENGTH_SECONDS}. */
    static final double FULL_LENGTH_SECONDS = 600;
    static final double WARM_UP_FRACTION = 0.3;
    /** Samples over a run: every 5 s over ten minutes; short runs sample as often as a full GC each allows. */
    static final int SAMPLES = 120;
    static final double MIN_SAMPLE_SECONDS = 0.25;
    private static final long STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Resident bytes in kB on its "Rss:" line: no page size needed. */
    private static final Path SMAPS_ROLLUP = Path.of("/proc/self/smaps_rollup");

    private final OffPool pool;
    private final double lifetimeScale;
    private final long endNanos;
    private final List<Queue<Block>> handoffs = new ArrayList<>();
    private final AtomicLong liveBytes = new AtomicLong();
    private final AtomicLong liveBlocks = new AtomicLong();
    private final AtomicLong allocations = new AtomicLong();
    private final AtomicLong crossThreadFrees = new AtomicLong();
    /** Threads that have stopped allocating; a stopped thread still frees what others hand it until all have. */
    private final AtomicLong stopped = new AtomicLong();
    private volatile Throwable failure;

    /** A live block and when it dies. */
    private record Block(long address, long size, MemorySegment segment, long id, long deadlineNanos) {
        MemorySegment view() {
            return segment != null ? segment : MemorySegment.ofAddress(address).reinterpret(size);
        }
    }

    private SoakProgram(OffPool pool, double seconds, long startNanos) {
        this.pool = pool;
        this.lifetimeScale = seconds / FULL_LENGTH_SECONDS;
        this.endNanos = startNanos + (long) (seconds * 1e9);
        for (int t = 0; t < THREADS; t++) {
            handoffs.add(new ConcurrentLinkedQueue<>());
        }
    }

    /**
     * Runs the soak and prints its samples.
     *
     * @param args the length in seconds
     * @throws Exception if a worker fails (the JVM then exits non-zero)
     */
    public static void main(String[] args) throws Exception {
        double seconds = Double.parseDouble(args[0]);
        long sampleNanos = (long) (Math.max(MIN_SAMPLE_SECONDS, seconds / SAMPLES) * 1e9);
        try (OffPool pool = OffPool.builder().build()) {
            System.out.println("pageSource=" + pool.stats().pageSource());
            long start = System.nanoTime();
            SoakProgram soak = new SoakProgram(pool, seconds, start);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int index = t;
                threads.add(Thread.ofPlatform().name("soak-" + t).start(() -> soak.work(index)));
            }
            for (long next = start + sampleNanos; next < soak.endNanos && soak.failure == null; next += sampleNanos) {
                LockSupport.parkNanos(next - System.nanoTime());
                soak.sample(start);
            }
            for (Thread thread : threads) {
                thread.join();
            }
            if (soak.failure != null) {
                throw new AssertionError("a soak thread failed", soak.failure);
            }
            pool.verify();
            PoolStats drained = pool.stats();
            if (drained.blocksInUse() + drained.large().liveBlocks() + drained.huge().blocks() != 0) {
                throw new AssertionError("blocks left after every thread freed its own:\n" + drained.toTable());
            }
            pool.trim();
            System.out.printf("done allocations=%d crossThreadFrees=%d reservedAfterTrim=%d rssAfterTrim=%d%n",
                    soak.allocations.get(), soak.crossThreadFrees.get(), pool.reservedBytes(), residentBytes());
        }
    }

    private void sample(long start) {
        System.gc();
        long heapUsed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        PoolStats stats = pool.stats();
        System.out.printf("sample t=%d rss=%d reserved=%d live=%d blocks=%d meta=%d heap=%d allocations=%d%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), residentBytes(), stats.reservedBytes(),
                liveBytes.get(), liveBlocks.get(), stats.heapMetadataBytes() + stats.large().heapMetadataBytes(),
                heapUsed, allocations.get());
    }

    private void work(int index) {
        SplittableRandom random = new SplittableRandom(0x50A4L * 31 + index);
        PriorityQueue<Block> mine = new PriorityQueue<>((a, b) -> Long.compare(a.deadlineNanos, b.deadlineNanos));
        Queue<Block> inbox = handoffs.get(index);
        long sequence = 0;
        long started = System.nanoTime();
        long allocated = 0;
        try {
            for (long now = started; now < endNanos && failure == null; now = System.nanoTime()) {
                for (Block b; (b = inbox.poll()) != null; ) {
                    mine.add(b);
                }
                // Paced on the clock: each thread owes its share of allocations since it started.
                long due = (long) ((now - started) / 1e9 * ALLOCATIONS_PER_SECOND / THREADS);
                for (; allocated < due; allocated++) {
                    Block block = allocate(random, ((long) index << 48) | sequence++, now);
                    if (block.deadlineNanos <= now) {
                        free(block);
                    } else if (random.nextInt(4) == 0) {
                        handoffs.get((index + 1 + random.nextInt(THREADS - 1)) % THREADS).add(block);
                    } else {
                        mine.add(block);
                    }
                }
                while (!mine.isEmpty() && mine.peek().deadlineNanos <= now) {
                    Block block = mine.poll();
                    if (block.id >>> 48 != index) {
                        crossThreadFrees.incrementAndGet();
                    }
                    free(block);
                }
                LockSupport.parkNanos(STEP_NANOS);
            }
            // The run is over: wait for blocks other threads handed over, then free everything held.
            for (Block b; (b = inbox.poll()) != null || mine.size() > 0; ) {
                if (b != null) {
                    free(b);
                } else {
                    free(mine.poll());
                }
            }
            awaitOthersAndDrain(inbox);
        } catch (Throwable e) {
            failure = e;
        }
    }

    // Another thread may hand over a block after this one stopped: free whatever arrives until all have stopped.
    private void awaitOthersAndDrain(Queue<Block> inbox) {
        stopped.incrementAndGet();
        while (stopped.get() < THREADS || !inbox.isEmpty()) {
            Block b = inbox.poll();
            if (b != null) {
                free(b);
            } else {
                LockSupport.parkNanos(STEP_NANOS);
            }
        }
    }

    private Block allocate(SplittableRandom random, long id, long now) {
        long size = size(random);
        long deadline = now + lifetimeNanos(random);
        Block block;
        if (random.nextBoolean()) {
            MemorySegment segment = pool.allocate(size);
            block = new Block(segment.address(), size, segment, id, deadline);
        } else {
            block = new Block(pool.allocateAddress(size), size, null, id, deadline);
        }
        ContentTags.write(block.view(), id);
        liveBytes.addAndGet(size);
        liveBlocks.incrementAndGet();
        allocations.incrementAndGet();
        return block;
    }

    private void free(Block block) {
        ContentTags.check(block.view(), block.id, "soak block");
        if (block.segment != null) {
            pool.free(block.segment);
        } else {
            pool.freeAddress(block.address);
        }
        liveBytes.addAndGet(-block.size);
        liveBlocks.decrementAndGet();
    }

    private static long size(SplittableRandom random) {
        int ticket = random.nextInt(1000);
        if (ticket < 700) {
            return random.nextLong(16, 513);
        }
        if (ticket < 978) {
            return logUniform(random, 513, 64 << 10);
        }
        if (ticket < 998) {
            return logUniform(random, (64 << 10) + 1, 1 << 20);
        }
        return logUniform(random, (1 << 20) + 1, 4 << 20);
    }

    private long lifetimeNanos(SplittableRandom random) {
        int ticket = random.nextInt(1000);
        double seconds;
        if (ticket < 600) {
            return 0;
        } else if (ticket < 900) {
            seconds = 0.01 + random.nextDouble() * 0.99;
        } else if (ticket < 995) {
            seconds = 1 + random.nextDouble() * 29;
        } else {
            seconds = 30 + random.nextDouble() * 150;
        }
        return (long) (seconds * lifetimeScale * 1e9);
    }

    private static long logUniform(SplittableRandom random, long min, long max) {
        return Math.clamp(Math.round(min * Math.pow((double) max / min, random.nextDouble())), min, max);
    }

    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(SMAPS_ROLLUP)) {
                if (line.startsWith("Rss:")) {
                    return Long.parseLong(line.substring(4).replace("kB", "").strip()) * 1024;
                }
            }
            throw new IllegalStateException(SMAPS_ROLLUP + " has no Rss line");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
