package dev.offpool.benchmarks.workload.report;

import org.jfree.data.category.DefaultCategoryDataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Renders a directory of real-server runs ({@code benchmarks/servers.sh}, docs/WORKLOADS.md "Real servers"): reads
 * {@code runs.csv}, one row per run, and writes {@code figures.md} (medians over the rounds per configuration,
 * endpoint and side, and the agent / JDK ratios of req/s, p99 and peak RSS) and its plots.
 *
 * {@snippet lang = "sh" :
 * java -cp benchmarks/target/benchmarks.jar dev.offpool.benchmarks.workload.report.ServerReport \
 *     benchmarks/results/servers-full-20261208T000000Z          # writes its plots and figures.md there
 * }
 *
 * <p>Files: {@code servers-ratios.svg} (the three ratios per configuration and endpoint, 1 marked),
 * {@code servers-throughput.svg} (median req/s, JDK and agent) and {@code servers-peak-rss.svg} (median peak RSS).
 */
public final class ServerReport {
    /** The runs' file servers.sh writes, one row per run. */
    public static final String RUNS_FILE = "runs.csv";
    /** What the agent can see of Netty's buffers (docs/WORKLOADS.md, "Netty and the agent"), under the table. */
    static final String NETTY_NOTE = "Netty 4.2 on JDK 25: with `Unsafe` usable (`netty-default`, "
            + "`netty-unpooled-unsafe`) Netty allocates with `ByteBuffer.allocateDirect`, which the agent redirects, "
            + "and frees through a `MethodHandle` to `Unsafe.invokeCleaner`, which frees a redirected buffer at once "
            + "(the agent's check is in that method); with `-Dio.netty.noUnsafe=true` (`netty-unpooled`) Netty takes "
            + "its memory from `malloc` through the FFM linker, and only the server's own `/direct16k` buffers are "
            + "redirected.";
    private static final String AGENT = "agent";
    private static final String JDK = "jdk";

    private ServerReport() {
    }

    /**
     * Renders the runs in {@code args[0]} into {@code args[1]} (default: the same directory).
     *
     * @param args the results directory, and optionally where to write
     */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: ServerReport RESULTS_DIR [OUTPUT_DIR]");
            System.exit(2);
        }
        Path results = Path.of(args[0]);
        Path output = Path.of(args.length == 2 ? args[1] : args[0]);
        List<Path> written = render(results, output);
        written.forEach(file -> System.out.println("wrote " + file));
        try {
            System.out.print(Files.readString(written.getLast()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Renders the runs in {@code results} into {@code output}.
     *
     * @param results where {@code runs.csv} is
     * @param output  where the plots and {@code figures.md} go (created if missing)
     * @return the files written, {@code figures.md} last
     * @throws IllegalArgumentException if {@code runs.csv} holds no run or a malformed row
     * @throws UncheckedIOException     if a file cannot be read or written
     */
    public static List<Path> render(Path results, Path output) {
        Csv csv = Csv.read(results.resolve(RUNS_FILE));
        if (csv.rows().isEmpty()) {
            throw new IllegalArgumentException("no runs in " + csv.file());
        }
        // Configuration and endpoint in the order servers.sh ran them.
        Map<String, Pair> pairs = new LinkedHashMap<>();
        for (List<String> row : csv.rows()) {
            Run run = Run.of(csv, row);
            pairs.computeIfAbsent(run.configuration() + " " + run.endpoint(),
                    key -> new Pair(run.configuration(), run.endpoint(), new ArrayList<>(), new ArrayList<>()))
                    .add(run);
        }
        DefaultCategoryDataset ratios = new DefaultCategoryDataset();
        DefaultCategoryDataset throughput = new DefaultCategoryDataset();
        DefaultCategoryDataset peakRss = new DefaultCategoryDataset();
        for (Pair pair : pairs.values()) {
            String label = pair.configuration() + " " + pair.endpoint();
            if (pair.complete()) {
                ratios.addValue(pair.ratio(Run::requestsPerSecond), "req/s", label);
                ratios.addValue(pair.ratio(Run::p99Micros), "p99", label);
                ratios.addValue(pair.ratio(Run::peakRssKib), "peak RSS", label);
            }
            for (String side : List.of(JDK, AGENT)) {
                List<Run> runs = pair.side(side);
                if (!runs.isEmpty()) {
                    throughput.addValue(median(runs, Run::requestsPerSecond), side, label);
                    peakRss.addValue(median(runs, Run::peakRssKib) / 1024, side, label);
                }
            }
        }
        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(output);
            written.add(write(output.resolve("servers-ratios.svg"), Charts.ratios("Real servers: agent / JDK",
                    "agent / JDK, medians (req/s: higher is better; p99, peak RSS: lower)", ratios)));
            written.add(write(output.resolve("servers-throughput.svg"),
                    Charts.bars("Real servers: requests per second", "median requests per second", throughput)));
            written.add(write(output.resolve("servers-peak-rss.svg"),
                    Charts.bars("Real servers: peak RSS", "median peak RSS (VmHWM), MiB", peakRss)));
            written.add(write(output.resolve("figures.md"), markdown(results, csv.rows().size(), pairs.values())));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write into " + output, e);
        }
        return written;
    }

    private static String markdown(Path results, int runCount, Iterable<Pair> pairs) {
        StringBuilder out = new StringBuilder("# Real servers: figures\n\n");
        out.append(runCount).append(" runs from `").append(results.getFileName()).append("`, read from its ")
                .append(RUNS_FILE).append(". Each figure is the median over the rounds; a ratio is the agent's median "
                        + "over the JDK's, from runs of this one invocation, interleaved. What each configuration and "
                        + "endpoint is, and how each figure is measured: docs/WORKLOADS.md, \"Real servers\".\n\n");
        out.append("## Agent against JDK\n\n");
        out.append("| configuration | endpoint | runs (JDK / agent) | req/s JDK | req/s agent | req/s ratio "
                + "| p99 ms JDK | p99 ms agent | p99 ratio | peak RSS MiB JDK | peak RSS MiB agent | peak RSS ratio "
                + "| redirected | kept on the JDK's path | fell back |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Pair pair : pairs) {
            List<Run> jdk = pair.side(JDK);
            List<Run> agent = pair.side(AGENT);
            out.append("| ").append(pair.configuration()).append(" | ").append(pair.endpoint())
                    .append(" | ").append(jdk.size()).append(" / ").append(agent.size())
                    .append(" | ").append(figure(jdk, Run::requestsPerSecond, 1, "%,.0f"))
                    .append(" | ").append(figure(agent, Run::requestsPerSecond, 1, "%,.0f"))
                    .append(" | ").append(ratio(pair, Run::requestsPerSecond))
                    .append(" | ").append(figure(jdk, Run::p99Micros, 1000, "%,.2f"))
                    .append(" | ").append(figure(agent, Run::p99Micros, 1000, "%,.2f"))
                    .append(" | ").append(ratio(pair, Run::p99Micros))
                    .append(" | ").append(figure(jdk, Run::peakRssKib, 1024, "%,.0f"))
                    .append(" | ").append(figure(agent, Run::peakRssKib, 1024, "%,.0f"))
                    .append(" | ").append(ratio(pair, Run::peakRssKib))
                    .append(" | ").append(figure(agent, Run::redirected, 1, "%,.0f"))
                    .append(" | ").append(figure(agent, Run::keptOnJdk, 1, "%,.0f"))
                    .append(" | ").append(figure(agent, Run::fellBack, 1, "%,.0f")).append(" |\n");
        }
        boolean netty = false;
        for (Pair pair : pairs) {
            netty |= pair.configuration().startsWith("netty");
        }
        out.append(netty ? "\n" + NETTY_NOTE + "\n" : "").append("\n![agent / JDK](servers-ratios.svg)\n\n");
        out.append("## Latency, memory and GC by side\n\n");
        out.append("| configuration | endpoint | side | p50 ms | p99 ms | p99.9 ms | final RSS MiB | GC pauses "
                + "| GC pause ms | System.gc |\n");
        out.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Pair pair : pairs) {
            for (String side : List.of(JDK, AGENT)) {
                List<Run> runs = pair.side(side);
                if (runs.isEmpty()) {
                    continue;
                }
                out.append("| ").append(pair.configuration()).append(" | ").append(pair.endpoint())
                        .append(" | ").append(side)
                        .append(" | ").append(figure(runs, Run::p50Micros, 1000, "%,.2f"))
                        .append(" | ").append(figure(runs, Run::p99Micros, 1000, "%,.2f"))
                        .append(" | ").append(figure(runs, Run::p999Micros, 1000, "%,.2f"))
                        .append(" | ").append(figure(runs, Run::finalRssKib, 1024, "%,.0f"))
                        .append(" | ").append(figure(runs, Run::gcPauses, 1, "%,.0f"))
                        .append(" | ").append(figure(runs, Run::gcPauseMillis, 1, "%,.1f"))
                        .append(" | ").append(figure(runs, Run::systemGcs, 1, "%,.0f")).append(" |\n");
            }
        }
        out.append("\n![requests per second](servers-throughput.svg)\n\n![peak RSS](servers-peak-rss.svg)\n");
        return out.toString();
    }

    private static String figure(List<Run> runs, ToDoubleFunction<Run> value, double divisor, String format) {
        return runs.isEmpty() ? "" : String.format(Locale.ROOT, format, median(runs, value) / divisor);
    }

    private static String ratio(Pair pair, ToDoubleFunction<Run> value) {
        return pair.complete() ? String.format(Locale.ROOT, "%.2fx", pair.ratio(value)) : "";
    }

    /** {@return the median of the runs' values: the middle one, or the mean of the middle two} */
    static double median(List<Run> runs, ToDoubleFunction<Run> value) {
        double[] sorted = runs.stream().mapToDouble(value).sorted().toArray();
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static Path write(Path file, String text) throws IOException {
        Files.writeString(file, text);
        return file;
    }

    /** The runs of one configuration and endpoint, by side. */
    private record Pair(String configuration, String endpoint, List<Run> jdk, List<Run> agent) {
        void add(Run run) {
            (run.agent() ? agent : jdk).add(run);
        }

        List<Run> side(String side) {
            return side.equals(AGENT) ? agent : jdk;
        }

        boolean complete() {
            return !jdk.isEmpty() && !agent.isEmpty();
        }

        double ratio(ToDoubleFunction<Run> value) {
            return median(agent, value) / median(jdk, value);
        }
    }

    /**
     * One row of {@code runs.csv}: a server JVM, loaded by wrk on one endpoint. The agent's counters are 0 for a run
     * without it.
     */
    record Run(String configuration, String endpoint, boolean agent, double requestsPerSecond, double p50Micros,
               double p99Micros, double p999Micros, double peakRssKib, double finalRssKib, double gcPauses,
               double gcPauseMillis, double systemGcs, double redirected, double keptOnJdk, double fellBack) {
        static Run of(Csv csv, List<String> row) {
            String side = csv.field(row, "agent");
            if (!side.equals(AGENT) && !side.equals(JDK)) {
                throw new IllegalArgumentException(csv.file() + ": column agent must be agent or jdk: " + row);
            }
            boolean agent = side.equals(AGENT);
            return new Run(csv.field(row, "configuration"), csv.field(row, "endpoint"), agent,
                    number(csv, row, "requests_per_second"), number(csv, row, "p50_us"), number(csv, row, "p99_us"),
                    number(csv, row, "p999_us"), number(csv, row, "peak_rss_kib"), number(csv, row, "final_rss_kib"),
                    number(csv, row, "gc_pauses"), number(csv, row, "gc_pause_ms"), number(csv, row, "system_gcs"),
                    agent ? number(csv, row, "redirected") : 0, agent ? number(csv, row, "kept_on_jdk") : 0,
                    agent ? number(csv, row, "fell_back") : 0);
        }

        private static double number(Csv csv, List<String> row, String column) {
            String text = csv.field(row, column);
            try {
                return Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(csv.file() + ": column " + column + " is not a number ('" + text
                        + "'): " + row, e);
            }
        }
    }
}
