package dev.offpool.benchmarks.workload;

import org.HdrHistogram.Histogram;

import java.util.List;

/**
 * What one run did, and whether its counts add up.
 *
 * @param requests         requests served (pieces of work, for workloads without requests)
 * @param allocations      blocks allocated
 * @param allocatedBytes   their requested bytes
 * @param frees            blocks freed, by the workers and the releaser, including the final clear
 * @param freedBytes       their requested bytes
 * @param liveBytesAtStop  allocated minus freed bytes by the counts, once the workers had stopped and the releaser
 *                         had drained, before the final clear
 * @param heldBytesAtStop  the bytes the workers' stores held at that moment, by walking them
 * @param latency          every timed allocation's latency, in nanoseconds
 * @param gc               the collections during the run
 * @param samples          the time series
 * @param failure          the first error a thread of the run threw, or {@code null}
 */
record RunResult(long requests, long allocations, long allocatedBytes, long frees, long freedBytes,
                 long liveBytesAtStop, long heldBytesAtStop, Histogram latency, GcMonitor.Counts gc,
                 List<Sample> samples, Throwable failure) {

    /** {@return allocated minus freed bytes after the final clear: 0 unless a block was lost} */
    long leakedBytes() {
        return allocatedBytes - freedBytes;
    }

    /** {@return whether nothing failed, the live bytes counted match those walked, and nothing leaked} */
    boolean addsUp() {
        return failure == null && liveBytesAtStop == heldBytesAtStop && allocations == frees && leakedBytes() == 0;
    }

    /**
     * One row of the time series ({@link RunFiles#SAMPLE_COLUMNS}).
     *
     * @param elapsedMillis  since the run started
     * @param phase          the phase at that moment
     * @param requests       requests so far
     * @param allocations    blocks allocated so far
     * @param allocatedBytes their bytes
     * @param frees          blocks freed so far
     * @param freedBytes     their bytes
     * @param rssBytes       the process's resident set
     * @param allocatorBytes what the allocator reports holding, or -1
     * @param gc             collections so far
     * @param latencyCount   allocations timed since the previous sample
     * @param p50Nanos       their median latency
     * @param p99Nanos       99th percentile
     * @param p999Nanos      99.9th percentile
     * @param maxNanos       the longest
     */
    record Sample(long elapsedMillis, String phase, long requests, long allocations, long allocatedBytes, long frees,
                  long freedBytes, long rssBytes, long allocatorBytes, GcMonitor.Counts gc, long latencyCount,
                  long p50Nanos, long p99Nanos, long p999Nanos, long maxNanos) {

        /** {@return allocated minus freed bytes} */
        long liveBytes() {
            return allocatedBytes - freedBytes;
        }

        /** {@return the row, in the order of {@link RunFiles#SAMPLE_COLUMNS}} */
        String csv() {
            return String.join(",", Long.toString(elapsedMillis), phase, Long.toString(requests),
                    Long.toString(allocations), Long.toString(allocatedBytes), Long.toString(frees),
                    Long.toString(freedBytes), Long.toString(liveBytes()), Long.toString(rssBytes),
                    allocatorBytes < 0 ? "" : Long.toString(allocatorBytes), Long.toString(gc.collections()),
                    Long.toString(gc.pauseMillis()), Long.toString(gc.maxPauseMillis()),
                    Long.toString(gc.systemGcs()), Long.toString(latencyCount), Long.toString(p50Nanos),
                    Long.toString(p99Nanos), Long.toString(p999Nanos), Long.toString(maxNanos));
        }
    }
}
