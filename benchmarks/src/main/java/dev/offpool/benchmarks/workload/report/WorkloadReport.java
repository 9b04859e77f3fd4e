package dev.offpool.benchmarks.workload.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a directory of workload runs: writes the plots (SVG) and {@code figures.md}, the tables of figures and the
 * targets, linking the plots.
 *
 * {@snippet lang = "sh" :
 * java -cp benchmarks/target/benchmarks.jar dev.offpool.benchmarks.workload.report.WorkloadReport \
 *     benchmarks/results/workloads-20261122T140000Z          # writes its plots and figures.md there
 * }
 *
 * <p>Files: {@code memory-<workload>-t<threads>.svg} (off-heap RSS over time per peer, with the live bytes),
 * {@code latency-<workload>-t<threads>.svg} (allocation latency by percentile per peer) and
 * {@code throughput-<workload>.svg} (allocations per second per peer and thread count).
 */
public final class WorkloadReport {
    /** The markdown file the report writes. */
    public static final String FIGURES_FILE = "figures.md";

    private WorkloadReport() {
    }

    /**
     * Renders the runs in {@code args[0]} into {@code args[1]} (default: the same directory).
     *
     * @param args the results directory, and optionally where to write
     */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: WorkloadReport RESULTS_DIR [OUTPUT_DIR]");
            System.exit(2);
        }
        Path results = Path.of(args[0]);
        Path output = Path.of(args.length == 2 ? args[1] : args[0]);
        List<Path> written = render(results, output);
        written.forEach(file -> System.out.println("wrote " + file));
    }

    /**
     * Renders the runs in {@code results} into {@code output}.
     *
     * @param results where the runs' files are
     * @param output  where the plots and {@code figures.md} go (created if missing)
     * @return the files written, {@code figures.md} last
     * @throws IllegalArgumentException if {@code results} holds no run, or a malformed file
     * @throws UncheckedIOException     if a file cannot be read or written
     */
    public static List<Path> render(Path results, Path output) {
        List<RunData> runs = new ArrayList<>(RunData.loadAll(results));
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no workload runs (*.summary.csv) in " + results);
        }
        runs.sort(PeerOrder.RUNS);
        Map<String, List<RunData>> byWorkloadAndThreads = new LinkedHashMap<>();
        Map<String, List<RunFigures>> byWorkload = new LinkedHashMap<>();
        List<RunFigures> allFigures = new ArrayList<>();
        for (RunData run : runs) {
            byWorkloadAndThreads.computeIfAbsent(run.workload() + "-t" + run.threads(), key -> new ArrayList<>())
                    .add(run);
            RunFigures figures = RunFigures.of(run);
            allFigures.add(figures);
            byWorkload.computeIfAbsent(run.workload(), key -> new ArrayList<>()).add(figures);
        }
        List<Path> written = new ArrayList<>();
        StringBuilder markdown = new StringBuilder("# Workload study: figures\n\n");
        markdown.append(runs.size()).append(" runs from `").append(results.getFileName())
                .append("`. Definitions, commands and the targets' rules: docs/WORKLOADS.md. The load average at the "
                        + "start and end of each run is in its summary file.\n\n");
        markdown.append("## Targets\n\n").append(Targets.table(allFigures)).append('\n');
        try {
            Files.createDirectories(output);
            for (Map.Entry<String, List<RunFigures>> workload : byWorkload.entrySet()) {
                String name = workload.getKey();
                String throughput = "throughput-" + name + ".svg";
                written.add(write(output.resolve(throughput), Charts.throughput(name + ": allocations per second",
                        workload.getValue().stream().sorted((a, b) -> {
                            int byPeer = Integer.compare(PeerOrder.index(a.run().peer()),
                                    PeerOrder.index(b.run().peer()));
                            return byPeer != 0 ? byPeer : Integer.compare(a.run().threads(), b.run().threads());
                        }).toList())));
                markdown.append("## ").append(name).append("\n\n![throughput](").append(throughput).append(")\n\n");
                for (Map.Entry<String, List<RunData>> group : byWorkloadAndThreads.entrySet()) {
                    List<RunData> group_ = group.getValue();
                    if (!group_.getFirst().workload().equals(name)) {
                        continue;
                    }
                    int threads = group_.getFirst().threads();
                    String label = name + ", " + threads + (threads == 1 ? " thread" : " threads");
                    String memory = "memory-" + group.getKey() + ".svg";
                    String latency = "latency-" + group.getKey() + ".svg";
                    written.add(write(output.resolve(memory), Charts.memory(label + ": memory over time", group_)));
                    written.add(write(output.resolve(latency),
                            Charts.latency(label + ": allocation latency", group_)));
                    markdown.append("### ").append(label).append("\n\n")
                            .append(FiguresTable.table(group_.stream().map(RunFigures::of).toList())).append('\n')
                            .append("![memory](").append(memory).append(")\n\n")
                            .append("![latency](").append(latency).append(")\n\n");
                }
            }
            written.add(write(output.resolve(FIGURES_FILE), markdown.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write into " + output, e);
        }
        return written;
    }

    private static Path write(Path file, String text) throws IOException {
        Files.writeString(file, text);
        return file;
    }
}
