package dev.offpool.benchmarks.workload;

import java.nio.file.Path;
import java.util.List;

/**
 * The files one run writes, and their columns: the one home of these names for the workloads that write them and
 * the report that reads them.
 *
 * <ul>
 * <li>{@code <run>.csv}: one row per sample ({@link #SAMPLE_COLUMNS}). Counts are cumulative since the start; the
 *   latency columns cover the allocations timed since the previous sample; {@code live_bytes} is allocated minus
 *   freed bytes, as the workload counts them (requested sizes, not the allocator's rounding).</li>
 * <li>{@code <run>.summary.csv}: {@code key,value} rows ({@link #SUMMARY_KEYS} and the workload's parameters):
 *   totals, whole-run latency percentiles, the RSS before the workers started, GC totals, and the checks.</li>
 * <li>{@code <run>.percentiles.csv}: the whole run's latency distribution, {@code percentile,latency_ns}, as
 *   HdrHistogram iterates it (five steps per halving of the distance to 100%).</li>
 * </ul>
 *
 * <p>A run is named {@code <workload>-<peer>-t<threads>}.
 */
public final class RunFiles {
    /** Suffix of the time series. */
    public static final String SAMPLES_SUFFIX = ".csv";
    /** Suffix of the summary. */
    public static final String SUMMARY_SUFFIX = ".summary.csv";
    /** Suffix of the latency distribution. */
    public static final String PERCENTILES_SUFFIX = ".percentiles.csv";

    /** The columns of the time series, in order. */
    public static final List<String> SAMPLE_COLUMNS = List.of("elapsed_ms", "phase", "requests", "allocations",
            "allocated_bytes", "frees", "freed_bytes", "live_bytes", "rss_bytes", "allocator_bytes", "gc_count",
            "gc_pause_ms", "gc_max_pause_ms", "system_gcs", "latency_count", "latency_p50_ns", "latency_p99_ns",
            "latency_p999_ns", "latency_max_ns");

    /** The keys every summary has, in order; a workload's own parameters follow them. */
    public static final List<String> SUMMARY_KEYS = List.of("workload", "peer", "peer_description", "threads",
            "duration_ms", "seed", "live_target_bytes", "latency_every", "rss_baseline_bytes", "requests",
            "allocations", "allocated_bytes", "frees", "freed_bytes", "held_bytes_at_stop", "live_bytes_at_stop",
            "leaked_bytes", "latency_count", "latency_p50_ns", "latency_p99_ns", "latency_p999_ns", "latency_max_ns",
            "gc_count", "gc_pause_ms", "gc_max_pause_ms", "system_gcs", "jvm", "load_average_start",
            "load_average_end", "failure");

    private RunFiles() {
    }

    /** {@return the name of a run} */
    public static String runName(String workload, String peer, int threads) {
        return workload + "-" + peer + "-t" + threads;
    }

    /** {@return the time series of {@code run} in {@code directory}} */
    public static Path samples(Path directory, String run) {
        return directory.resolve(run + SAMPLES_SUFFIX);
    }

    /** {@return the summary of {@code run} in {@code directory}} */
    public static Path summary(Path directory, String run) {
        return directory.resolve(run + SUMMARY_SUFFIX);
    }

    /** {@return the latency distribution of {@code run} in {@code directory}} */
    public static Path percentiles(Path directory, String run) {
        return directory.resolve(run + PERCENTILES_SUFFIX);
    }
}
