package dev.offpool.benchmarks.workload.report;

import java.util.List;
import java.util.Locale;

/**
 * The markdown tables of figures: one per workload and thread count, one row per peer.
 */
final class FiguresTable {
    private FiguresTable() {
    }

    /**
     * {@return the table of one workload and thread count}
     *
     * @param figures the runs, in peer order
     */
    static String table(List<RunFigures> figures) {
        boolean burst = RunFigures.BURST_WORKLOAD.equals(figures.getFirst().run().workload());
        StringBuilder out = new StringBuilder();
        out.append("| peer | allocations/s | requests/s | p50 µs | p99 µs | p99.9 µs | max µs | off-heap RSS MiB "
                + "(mean / peak) | ");
        out.append(burst ? "steady / burst peak / end MiB | back within 10% (s) | " : "RSS / live (mean / max) | ");
        out.append("GC pauses (n / ms / longest ms) | System.gc |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|").append(burst ? "---:|" : "").append("---:|---:|\n");
        for (RunFigures f : figures) {
            RunData run = f.run();
            out.append("| ").append(run.peer())
                    .append(" | ").append(grouped(f.allocationsPerSecond()))
                    .append(" | ").append(grouped(f.requestsPerSecond()))
                    .append(" | ").append(micros(run.number("latency_p50_ns")))
                    .append(" | ").append(micros(run.number("latency_p99_ns")))
                    .append(" | ").append(micros(run.number("latency_p999_ns")))
                    .append(" | ").append(micros(run.number("latency_max_ns")))
                    .append(" | ").append(decimal(f.offHeapMeanMiB()))
                    .append(" / ").append(decimal(f.offHeapPeakMiB()));
            if (burst) {
                RunFigures.Burst b = f.burst();
                out.append(" | ").append(decimal(b.steadyMiB())).append(" / ").append(decimal(b.peakMiB()))
                        .append(" / ").append(decimal(b.endMiB()))
                        .append(" | ").append(Double.isNaN(b.recoverySeconds()) ? "never"
                                : decimal(b.recoverySeconds()) + (b.staysRecovered() ? "" : " (not for good)"));
            } else {
                out.append(" | ").append(ratio(f.ratioMean())).append(" / ").append(ratio(f.ratioMax()));
            }
            out.append(" | ").append(run.number("gc_count")).append(" / ").append(run.number("gc_pause_ms"))
                    .append(" / ").append(run.number("gc_max_pause_ms"))
                    .append(" | ").append(run.number("system_gcs")).append(" |\n");
        }
        return out.toString();
    }

    static String grouped(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    static String decimal(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value);
    }

    static String ratio(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.2fx", value);
    }

    /** Nanoseconds as microseconds, with three significant digits below 1000 µs and whole ones above. */
    static String micros(long nanos) {
        double micros = nanos / 1000.0;
        if (micros < 10) {
            return String.format(Locale.ROOT, "%.2f", micros);
        }
        if (micros < 100) {
            return String.format(Locale.ROOT, "%.1f", micros);
        }
        return String.format(Locale.ROOT, "%,.0f", micros);
    }
}
