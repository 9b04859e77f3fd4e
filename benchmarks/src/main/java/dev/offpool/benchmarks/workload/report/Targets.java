package dev.offpool.benchmarks.workload.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The targets of issue 14, checked against the runs, one row per target, offpool peer and thread count. How each is
 * computed (docs/WORKLOADS.md says the same):
 *
 * <ol>
 * <li>server: offpool's largest off-heap RSS / live bytes over the steady half at most {@value #OFFPOOL_RSS_RATIO},
 *   and glibc's mean over it above {@value #GLIBC_RSS_RATIO};</li>
 * <li>burst: offpool back within 10% of its steady-state off-heap RSS at most {@value #RECOVERY_SECONDS} s after the
 *   drain, and staying there;</li>
 * <li>every workload: offpool's p99.9 allocation latency at most jemalloc's;</li>
 * <li>server: the program run with the agent at least {@value #AGENT_SPEEDUP} times the allocations per second of
 *   the same program on the JDK, freed by the GC and freed with {@code invokeCleaner}.</li>
 * </ol>
 * A target whose runs are missing says so instead of a verdict.
 */
final class Targets {
    static final double OFFPOOL_RSS_RATIO = 1.15;
    static final double GLIBC_RSS_RATIO = 1.5;
    static final double RECOVERY_SECONDS = 5;
    static final double AGENT_SPEEDUP = 3;
    private static final List<String> OFFPOOL_PEERS = List.of("offpool-raw", "offpool-segment");

    private Targets() {
    }

    /** {@return the targets as a markdown table} */
    static String table(List<RunFigures> all) {
        Map<String, RunFigures> byName = all.stream()
                .collect(Collectors.toMap(f -> f.run().name(), f -> f, (a, b) -> a));
        TreeSet<Integer> threadCounts = all.stream().map(f -> f.run().threads())
                .collect(Collectors.toCollection(TreeSet::new));
        List<String> rows = new ArrayList<>();
        for (int threads : threadCounts) {
            // Targets of a workload with no run at this thread count are left out, not listed as missing.
            Set<String> ran = all.stream().filter(f -> f.run().threads() == threads).map(f -> f.run().workload())
                    .collect(Collectors.toSet());
            String where = "server, " + threads + (threads == 1 ? " thread" : " threads");
            for (String peer : ran.contains("server") ? OFFPOOL_PEERS : List.<String>of()) {
                rows.add(row("RSS within 1.15x of live bytes (largest, steady half)", where,
                        find(byName, "server", peer, threads).map(f -> peer + " " + FiguresTable.ratio(f.ratioMax())),
                        "at most " + FiguresTable.ratio(OFFPOOL_RSS_RATIO),
                        find(byName, "server", peer, threads).map(f -> f.ratioMax() <= OFFPOOL_RSS_RATIO)));
            }
            if (ran.contains("server")) {
                rows.add(row("glibc's RSS above 1.5x of live bytes (mean, steady half)", where,
                        find(byName, "server", "glibc", threads).map(f -> "glibc " + FiguresTable.ratio(
                                f.ratioMean())), "above " + FiguresTable.ratio(GLIBC_RSS_RATIO),
                        find(byName, "server", "glibc", threads).map(f -> f.ratioMean() > GLIBC_RSS_RATIO)));
            }
            String burstWhere = "burst, " + threads + (threads == 1 ? " thread" : " threads");
            for (String peer : ran.contains("burst") ? OFFPOOL_PEERS : List.<String>of()) {
                Optional<RunFigures> run = find(byName, "burst", peer, threads);
                rows.add(row("back within 10% of steady-state RSS after the drain", burstWhere,
                        run.map(f -> peer + " " + recovery(f.burst())),
                        "within " + FiguresTable.decimal(RECOVERY_SECONDS) + " s, for good",
                        run.map(f -> f.burst().recoverySeconds() <= RECOVERY_SECONDS && f.burst().staysRecovered())));
            }
            for (String workload : PeerOrder.WORKLOADS.stream().filter(ran::contains).toList()) {
                String at = workload + ", " + threads + (threads == 1 ? " thread" : " threads");
                Optional<RunFigures> jemalloc = find(byName, workload, "jemalloc", threads);
                for (String peer : OFFPOOL_PEERS) {
                    Optional<RunFigures> run = find(byName, workload, peer, threads);
                    rows.add(row("p99.9 allocation latency at most jemalloc's", at,
                            run.map(f -> peer + " " + FiguresTable.micros(f.run().number("latency_p999_ns")) + " µs"),
                            jemalloc.map(f -> "jemalloc " + FiguresTable.micros(f.run().number("latency_p999_ns"))
                                    + " µs").orElse("jemalloc: no run"),
                            run.flatMap(f -> jemalloc.map(j -> f.run().number("latency_p999_ns")
                                    <= j.run().number("latency_p999_ns")))));
                }
            }
            for (String release : ran.contains("server") ? List.of("gc", "cleaner") : List.<String>of()) {
                Optional<RunFigures> agent = find(byName, "server", "agent-" + release, threads);
                Optional<RunFigures> jdk = find(byName, "server", "direct-" + release, threads);
                rows.add(row("agent at least 3x allocateDirect's allocations/s", where,
                        agent.flatMap(a -> jdk.map(d -> "agent-" + release + " " + FiguresTable.grouped(
                                a.allocationsPerSecond()) + "/s, " + FiguresTable.ratio(a.allocationsPerSecond()
                                / d.allocationsPerSecond()))),
                        jdk.map(d -> "direct-" + release + " " + FiguresTable.grouped(d.allocationsPerSecond())
                                + "/s").orElse("direct-" + release + ": no run"),
                        agent.flatMap(a -> jdk.map(d -> a.allocationsPerSecond()
                                >= AGENT_SPEEDUP * d.allocationsPerSecond()))));
            }
        }
        return "| target | workload | figure | bound | met |\n|---|---|---|---|---|\n" + String.join("", rows);
    }

    private static String recovery(RunFigures.Burst burst) {
        if (Double.isNaN(burst.recoverySeconds())) {
            return "never within 10%";
        }
        return FiguresTable.decimal(burst.recoverySeconds()) + " s" + (burst.staysRecovered() ? "" : ", not for good");
    }

    private static Optional<RunFigures> find(Map<String, RunFigures> byName, String workload, String peer,
                                             int threads) {
        return Optional.ofNullable(byName.get(workload + "-" + peer + "-t" + threads));
    }

    private static String row(String target, String where, Optional<String> figure, String bound,
                              Optional<Boolean> met) {
        return "| " + target + " | " + where + " | " + figure.orElse("no run") + " | " + bound + " | "
                + met.map(yes -> yes ? "yes" : "**no**").orElse("-") + " |\n";
    }
}
