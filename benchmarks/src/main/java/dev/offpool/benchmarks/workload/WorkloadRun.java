package dev.offpool.benchmarks.workload;

import dev.offpool.benchmarks.workload.RunResult.Sample;
import dev.offpool.benchmarks.workload.peers.Peer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one workload against one peer: starts the workers, the releaser and the sampler, lets the workload pace the
 * run, then checks that the counts add up and writes the run's files ({@link RunFiles}).
 *
 * <h2>The end of a run, and the checks</h2>
 * <ol>
 * <li>the workload stops the run; each worker finishes its piece of work and waits;</li>
 * <li>the releaser drains every hand-off ring; the sampler takes its last sample;</li>
 * <li>the live bytes by the counts (allocated minus freed) are compared with the bytes the workers' stores hold,
 *   walked slot by slot: they must be equal;</li>
 * <li>each worker frees what it holds, on its own thread (a confined arena can only be closed there);</li>
 * <li>allocated must then equal freed, in blocks and in bytes: nothing leaked.</li>
 * </ol>
 * A run whose counts do not add up, or in which a thread threw, is reported by {@link RunResult#addsUp()}.
 *
 * <h2>Memory</h2>
 * The RSS baseline is read after the peer, the workers' stores and the rings exist and before any worker starts; the
 * JVM should run with {@code -Xms} equal to {@code -Xmx} and {@code -XX:+AlwaysPreTouch}, so that the Java heap is
 * resident from the start and RSS minus the baseline is the off-heap memory the peer holds (plus the JIT's code and
 * the threads' stacks, a few MiB).
 */
final class WorkloadRun {
    /** Slots of each worker's ring to the releaser. */
    static final int HANDOFF_CAPACITY = 1 << 14;
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(2);

    private WorkloadRun() {
    }

    /**
     * Runs {@code workload} against {@code peer}.
     *
     * @param workload  the workload, with its settings
     * @param peer      the allocator
     * @param directory where the run's files go, or {@code null} for none
     * @return what the run did
     * @throws UncheckedIOException if a file cannot be written
     */
    static RunResult run(Workload workload, Peer peer, Path directory) throws InterruptedException {
        Workload.Settings settings = workload.settings();
        String runName = RunFiles.runName(workload.name(), peer.name(), settings.threads());
        String loadAtStart = loadAverage();
        List<Handoff> handoffs = new ArrayList<>();
        List<Worker> workers = new ArrayList<>();
        List<Workload.Task> tasks = new ArrayList<>();
        for (int i = 0; i < settings.threads(); i++) {
            Handoff handoff = new Handoff(peer, HANDOFF_CAPACITY);
            Worker worker = new Worker(i, peer, settings.seed(), settings.latencyEvery(), handoff);
            handoffs.add(handoff);
            workers.add(worker);
            tasks.add(workload.newTask(worker));
        }
        Releaser releaser = new Releaser(handoffs);
        RunControl control = new RunControl(workload.firstPhase());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(settings.threads());
        CountDownLatch checked = new CountDownLatch(1);

        long baselineRss = ProcessMemory.residentBytes();
        try (GcMonitor gc = new GcMonitor();
             Sampler sampler = new Sampler(control, workers, releaser, peer, gc, settings.sampleInterval(),
                     directory == null ? null : RunFiles.samples(directory, runName))) {
            releaser.start();
            sampler.start();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < settings.threads(); i++) {
                Worker worker = workers.get(i);
                Workload.Task task = tasks.get(i);
                Thread thread = new Thread(() -> work(worker, task, control, failure, stopped, checked),
                        "workload-worker-" + i);
                threads.add(thread);
                thread.start();
            }
            try {
                workload.coordinate(control);
            } catch (RuntimeException | Error e) {
                failure.compareAndSet(null, e);
            } finally {
                control.stop();
            }
            stopped.await();
            awaitDrained(releaser, failure);
            sampler.finish();
            Totals atStop = Totals.of(workers, releaser);
            long held = 0;
            for (Workload.Task task : tasks) {
                held += task.bytesHeld();
            }
            checked.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            releaser.finish();
            releaser.join();
            Totals end = Totals.of(workers, releaser);
            RunResult result = new RunResult(end.requests, end.allocations, end.allocatedBytes, end.frees,
                    end.freedBytes, atStop.allocatedBytes - atStop.freedBytes, held, sampler.total(), gc.counts(),
                    sampler.samples(), failure.get());
            if (directory != null) {
                writeSummary(directory, runName, workload, peer, baselineRss, result, loadAtStart);
                writePercentiles(RunFiles.percentiles(directory, runName), result.latency());
            }
            return result;
        }
    }

    private static void work(Worker worker, Workload.Task task, RunControl control, AtomicReference<Throwable> failure,
                             CountDownLatch stopped, CountDownLatch checked) {
        try {
            task.run(control);
        } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, e);
            control.stop();
        } finally {
            stopped.countDown();
        }
        try {
            checked.await();
            task.clear(worker);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure.compareAndSet(null, e);
        } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, e);
        }
    }

    private static void awaitDrained(Releaser releaser, AtomicReference<Throwable> failure) {
        long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        while (!releaser.idle()) {
            if (System.nanoTime() > deadline || !releaser.isAlive()) {
                failure.compareAndSet(null, new IllegalStateException("the releaser did not drain the hand-off rings"
                        + " within " + DRAIN_TIMEOUT));
                return;
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static void writeSummary(Path directory, String runName, Workload workload, Peer peer, long baselineRss,
                                     RunResult result, String loadAtStart) {
        Workload.Settings settings = workload.settings();
        Histogram latency = result.latency();
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("workload", workload.name());
        rows.put("peer", peer.name());
        rows.put("peer_description", peer.description());
        rows.put("threads", Integer.toString(settings.threads()));
        rows.put("duration_ms", Long.toString(settings.duration().toMillis()));
        rows.put("seed", Long.toString(settings.seed()));
        rows.put("live_target_bytes", Long.toString(settings.liveBytes()));
        rows.put("latency_every", Integer.toString(settings.latencyEvery()));
        rows.put("rss_baseline_bytes", Long.toString(baselineRss));
        rows.put("requests", Long.toString(result.requests()));
        rows.put("allocations", Long.toString(result.allocations()));
        rows.put("allocated_bytes", Long.toString(result.allocatedBytes()));
        rows.put("frees", Long.toString(result.frees()));
        rows.put("freed_bytes", Long.toString(result.freedBytes()));
        rows.put("held_bytes_at_stop", Long.toString(result.heldBytesAtStop()));
        rows.put("live_bytes_at_stop", Long.toString(result.liveBytesAtStop()));
        rows.put("leaked_bytes", Long.toString(result.leakedBytes()));
        rows.put("latency_count", Long.toString(latency.getTotalCount()));
        rows.put("latency_p50_ns", Long.toString(latency.getValueAtPercentile(50)));
        rows.put("latency_p99_ns", Long.toString(latency.getValueAtPercentile(99)));
        rows.put("latency_p999_ns", Long.toString(latency.getValueAtPercentile(99.9)));
        rows.put("latency_max_ns", Long.toString(latency.getMaxValue()));
        rows.put("gc_count", Long.toString(result.gc().collections()));
        rows.put("gc_pause_ms", Long.toString(result.gc().pauseMillis()));
        rows.put("gc_max_pause_ms", Long.toString(result.gc().maxPauseMillis()));
        rows.put("system_gcs", Long.toString(result.gc().systemGcs()));
        rows.put("jvm", System.getProperty("java.vm.name") + " " + Runtime.version());
        rows.put("load_average_start", loadAtStart);
        rows.put("load_average_end", loadAverage());
        rows.put("failure", result.failure() == null ? "" : String.valueOf(result.failure()));
        rows.putAll(workload.parameters());
        StringBuilder text = new StringBuilder("key,value\n");
        rows.forEach((key, value) -> text.append(key).append(',').append(csvField(value)).append('\n'));
        write(RunFiles.summary(directory, runName), text.toString());
    }

    private static void writePercentiles(Path file, Histogram latency) {
        StringBuilder text = new StringBuilder("percentile,latency_ns\n");
        if (latency.getTotalCount() > 0) {
            for (HistogramIterationValue value : latency.percentiles(5)) {
                text.append(String.format(Locale.ROOT, "%.6f,%d%n", value.getPercentileLevelIteratedTo(),
                        value.getValueIteratedTo()));
            }
        }
        write(file, text.toString());
    }

    /** Quotes a field that holds a comma, a quote or a line break, as RFC 4180 does. */
    static String csvField(String value) {
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Counts summed over the workers and the releaser. */
    private record Totals(long requests, long allocations, long allocatedBytes, long frees, long freedBytes) {
        static Totals of(List<Worker> workers, Releaser releaser) {
            long requests = 0;
            long allocations = 0;
            long allocatedBytes = 0;
            long frees = releaser.tally().frees();
            long freedBytes = releaser.tally().freedBytes();
            for (Worker worker : workers) {
                Tally tally = worker.tally();
                requests += tally.requests();
                allocations += tally.allocations();
                allocatedBytes += tally.allocatedBytes();
                frees += tally.frees();
                freedBytes += tally.freedBytes();
            }
            return new Totals(requests, allocations, allocatedBytes, frees, freedBytes);
        }
    }

    /**
     * Takes a sample every interval: the counts, RSS, the allocator's own figure, GC counts and the interval's
     * latencies from every worker's recorder (also added to the run's total histogram). Writes each row as it goes,
     * so a run that dies leaves its series so far.
     */
    private static final class Sampler extends Thread implements AutoCloseable {
        private final RunControl control;
        private final List<Worker> workers;
        private final Releaser releaser;
        private final Peer peer;
        private final GcMonitor gc;
        private final long intervalNanos;
        private final BufferedWriter out;
        private final Histogram total = newHistogram();
        private final Histogram interval = newHistogram();
        private final Histogram[] recycled;
        private final List<Sample> samples = new ArrayList<>();
        private volatile boolean finishing;
        private RuntimeException error;

        Sampler(RunControl control, List<Worker> workers, Releaser releaser, Peer peer, GcMonitor gc,
                Duration interval, Path file) {
            super("workload-sampler");
            setDaemon(true);
            this.control = control;
            this.workers = workers;
            this.releaser = releaser;
            this.peer = peer;
            this.gc = gc;
            this.intervalNanos = interval.toNanos();
            this.recycled = new Histogram[workers.size()];
            try {
                this.out = file == null ? null : Files.newBufferedWriter(file);
                if (out != null) {
                    out.write(String.join(",", RunFiles.SAMPLE_COLUMNS));
                    out.newLine();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
        }

        @Override
        public void run() {
            try {
                long next = System.nanoTime() + intervalNanos;
                while (!finishing) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(this, wait);
                        continue;
                    }
                    sample();
                    next += intervalNanos;
                }
                sample();
            } catch (RuntimeException e) {
                error = e;
            }
        }

        /** Takes the last sample and ends the thread. */
        void finish() throws InterruptedException {
            finishing = true;
            LockSupport.unpark(this);
            join(TimeUnit.MINUTES.toMillis(1));
            if (error != null) {
                throw error;
            }
        }

        Histogram total() {
            synchronized (samples) {
                return total.copy();
            }
        }

        List<Sample> samples() {
            synchronized (samples) {
                return List.copyOf(samples);
            }
        }

        private void sample() {
            Totals totals = Totals.of(workers, releaser);
            long rss = ProcessMemory.residentBytes();
            long allocatorBytes = peer.allocatorBytes();
            GcMonitor.Counts counts = gc.counts();
            interval.reset();
            for (int i = 0; i < workers.size(); i++) {
                recycled[i] = workers.get(i).latency().getIntervalHistogram(recycled[i]);
                interval.add(recycled[i]);
            }
            Sample sample = new Sample(TimeUnit.NANOSECONDS.toMillis(control.elapsedNanos()), control.phase(),
                    totals.requests, totals.allocations, totals.allocatedBytes, totals.frees, totals.freedBytes, rss,
                    allocatorBytes, counts, interval.getTotalCount(), interval.getValueAtPercentile(50),
                    interval.getValueAtPercentile(99), interval.getValueAtPercentile(99.9), interval.getMaxValue());
            synchronized (samples) {
                total.add(interval);
                samples.add(sample);
            }
            if (out != null) {
                try {
                    out.write(sample.csv());
                    out.newLine();
                    out.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write the time series", e);
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (isAlive()) {
                finish();
            }
            if (out != null) {
                try {
                    out.close();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot close the time series", e);
                }
            }
        }

        private static Histogram newHistogram() {
            return new Histogram(1, Worker.MAX_RECORDED_NANOS, Worker.HISTOGRAM_DIGITS);
        }
    }
}
