package dev.offpool.benchmarks.workload.report;

import dev.offpool.benchmarks.workload.RunFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One run's files, read back ({@link RunFiles}): the summary, the time series and the latency distribution.
 *
 * @param name        the run's name, {@code <workload>-<peer>-t<threads>}
 * @param summary     the summary's keys and values, in file order
 * @param samples     the time series
 * @param percentiles the latency distribution, by percentile
 */
record RunData(String name, Map<String, String> summary, List<Sample> samples, List<Percentile> percentiles) {
    private static final double MIB = 1024.0 * 1024.0;

    /**
     * One row of the time series, the columns the report uses.
     *
     * @param elapsedMillis  since the run started
     * @param phase          its phase
     * @param requests       requests so far
     * @param allocations    allocations so far
     * @param liveBytes      allocated minus freed bytes
     * @param rssBytes       the process's resident set
     * @param allocatorBytes the allocator's own figure, or -1
     */
    record Sample(long elapsedMillis, String phase, long requests, long allocations, long liveBytes, long rssBytes,
                  long allocatorBytes) {
    }

    /**
     * A point of the latency distribution.
     *
     * @param percentile   0 to 100
     * @param latencyNanos the latency at it
     */
    record Percentile(double percentile, long latencyNanos) {
    }

    String workload() {
        return summary.get("workload");
    }

    String peer() {
        return summary.get("peer");
    }

    int threads() {
        return Integer.parseInt(summary.get("threads"));
    }

    long number(String key) {
        String value = summary.get(key);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(name + ": the summary has no " + key);
        }
        return Long.parseLong(value);
    }

    /** {@return the resident set minus the baseline read before the workers started, in MiB} */
    double offHeapMiB(Sample sample) {
        return (sample.rssBytes() - number("rss_baseline_bytes")) / MIB;
    }

    /**
     * Reads every run in {@code directory}: one per {@code *.summary.csv}, ordered by workload, threads and peer
     * name as given.
     *
     * @param directory where the runs' files are
     * @return the runs
     * @throws UncheckedIOException     if a file cannot be read
     * @throws IllegalArgumentException if a file is malformed, naming it
     */
    static List<RunData> loadAll(Path directory) {
        List<RunData> runs = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path summary : files.filter(file -> file.getFileName().toString().endsWith(RunFiles.SUMMARY_SUFFIX))
                    .sorted().toList()) {
                String file = summary.getFileName().toString();
                runs.add(load(directory, file.substring(0, file.length() - RunFiles.SUMMARY_SUFFIX.length())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
        return Collections.unmodifiableList(runs);
    }

    /** {@return the run called {@code name} in {@code directory}} */
    static RunData load(Path directory, String name) {
        Map<String, String> summary = new LinkedHashMap<>();
        for (List<String> row : Csv.read(RunFiles.summary(directory, name)).rows()) {
            summary.put(row.get(0), row.size() > 1 ? row.get(1) : "");
        }
        Csv series = Csv.read(RunFiles.samples(directory, name));
        List<Sample> samples = new ArrayList<>();
        for (List<String> row : series.rows()) {
            String allocator = series.field(row, "allocator_bytes");
            samples.add(new Sample(Long.parseLong(series.field(row, "elapsed_ms")), series.field(row, "phase"),
                    Long.parseLong(series.field(row, "requests")), Long.parseLong(series.field(row, "allocations")),
                    Long.parseLong(series.field(row, "live_bytes")), Long.parseLong(series.field(row, "rss_bytes")),
                    allocator.isEmpty() ? -1 : Long.parseLong(allocator)));
        }
        List<Percentile> percentiles = new ArrayList<>();
        Path percentileFile = RunFiles.percentiles(directory, name);
        if (Files.exists(percentileFile)) {
            Csv distribution = Csv.read(percentileFile);
            for (List<String> row : distribution.rows()) {
                percentiles.add(new Percentile(Double.parseDouble(distribution.field(row, "percentile")),
                        Long.parseLong(distribution.field(row, "latency_ns"))));
            }
        }
        return new RunData(name, Collections.unmodifiableMap(summary), List.copyOf(samples), List.copyOf(percentiles));
    }
}
