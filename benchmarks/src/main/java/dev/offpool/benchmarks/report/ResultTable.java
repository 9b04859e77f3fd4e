package dev.offpool.benchmarks.report;

import org.openjdk.jmh.annotations.Group;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Prints JMH JSON results as markdown: per benchmark class, a table of medians (rows: benchmarks, columns:
 * parameters), offpool against the strongest peer doing the same work, and the ratio of offpool to each peer.
 *
 * {@snippet lang = "sh" :
 * java -cp benchmarks/target/benchmarks.jar dev.offpool.benchmarks.report.ResultTable results/main.json results/jemalloc.json
 * }
 *
 * <p>Rules, so the tables read the same for every class:
 * <ul>
 *   <li>a cell is the median of all measurement iterations of all forks ({@code scorePercentiles["50.0"]}); the
 *       forks and iterations are printed under each class's heading, per group of rows when they differ (the
 *       jemalloc rows come from a JMH invocation of their own);</li>
 *   <li>a method named {@code name_suffix} is row {@code name}: {@code TwoThreadsBenchmark}'s
 *       {@code offpoolRaw_1thread} and {@code offpoolRaw_2threads} share a row, in columns {@code threads=1} and
 *       {@code threads=2}, and a scaling table gives {@code threads=2 / threads=1} per row and parameter set;</li>
 *   <li>a JMH group (throughput) is scored by its slowest method, i.e. the rate at which items get through;</li>
 *   <li>rows named {@code offpool*} are ours; every other row is a peer;</li>
 *   <li>strongest peer: for each {@link Work} an offpool row does, and each work it names as
 *       {@link Work#beside()}, the fastest peer doing that work is found per parameter set (lowest time, highest
 *       throughput), named, and offpool's ratio to it given;</li>
 *   <li>each peer is also compared on its own with the offpool row its {@link Versus} names, else the offpool row
 *       doing the same {@link Work} ({@code offpoolRaw} first when several do), else {@code offpoolRaw}, else the
 *       class's only offpool row.</li>
 * </ul>
 * A ratio is always offpool / peer: for times below 1 means offpool is faster, for throughputs above 1 does. Input
 * files are merged; a benchmark and parameter set seen twice keeps the later result.
 */
public final class ResultTable {
    private static final String OURS = "offpool";
    private static final String DEFAULT_REFERENCE = "offpoolRaw";
    private static final String MEDIAN = "50.0";
    /** JMH prefixes profiler metrics with a middle dot; those are not group methods. */
    private static final String PROFILER_PREFIX = "\u00b7";

    private ResultTable() {
    }

    /**
     * One benchmark at one parameter set.
     *
     * @param benchmark  the class's fully qualified name
     * @param className  its simple name
     * @param row        the method or group name, without a {@code _suffix}
     * @param mode       JMH's mode ({@code avgt}, {@code thrpt}, ...)
     * @param unit       the score's unit
     * @param threads    threads running the benchmark
     * @param params     parameter names to values, sorted by name
     * @param median     the median score
     * @param settings   forks, warmup and measurement, as one line
     */
    record Result(String benchmark, String className, String row, String mode, String unit, int threads,
                  Map<String, String> params, double median, String settings) {
    }

    /**
     * What a row's annotations say about it.
     *
     * @param versus the offpool row named by {@link Versus}, or {@code null}
     * @param work   the row's {@link Work#value()}, or {@code null}
     * @param beside the row's {@link Work#beside()}, empty when none
     */
    record Role(String versus, String work, List<String> beside) {
        /** A row without annotations. */
        static final Role NONE = new Role(null, null, List.of());

        Role {
            beside = List.copyOf(beside);
        }
    }

    /**
     * Prints the tables for the given result files.
     *
     * @param args JMH JSON result files
     * @throws IOException if a file cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: ResultTable result.json [more.json ...]");
            System.exit(2);
        }
        List<Result> results = new ArrayList<>();
        StringBuilder jdk = new StringBuilder();
        for (String file : args) {
            Object json = Json.parse(Files.readString(Path.of(file)));
            results.addAll(read(json));
            if (jdk.isEmpty()) {
                jdk.append(jdkLine(json));
            }
        }
        System.out.println(jdk);
        System.out.print(render(results, ResultTable::annotatedRole));
    }

    /** {@return the results in one parsed JMH JSON document} */
    static List<Result> read(Object json) {
        List<Result> results = new ArrayList<>();
        for (Object item : asList(json)) {
            Map<String, Object> entry = asMap(item);
            String name = (String) entry.get("benchmark");
            int lastDot = name.lastIndexOf('.');
            String benchmark = name.substring(0, lastDot);
            String method = name.substring(lastDot + 1);
            int underscore = method.indexOf('_');
            String row = underscore > 0 ? method.substring(0, underscore) : method;
            String mode = (String) entry.get("mode");
            Map<String, String> params = new TreeMap<>();
            Object rawParams = entry.get("params");
            if (rawParams != null) {
                asMap(rawParams).forEach((k, v) -> params.put(k, String.valueOf(v)));
            }
            Map<String, Object> primary = asMap(entry.get("primaryMetric"));
            double median = median(primary);
            if (mode.equals("thrpt") && entry.get("secondaryMetrics") != null) {
                for (Map.Entry<String, Object> secondary : asMap(entry.get("secondaryMetrics")).entrySet()) {
                    if (!secondary.getKey().startsWith(PROFILER_PREFIX)) {
                        median = Math.min(median, median(asMap(secondary.getValue())));
                    }
                }
            }
            String settings = String.format(Locale.ROOT, "%d fork(s); warmup %d x %s; measurement %d x %s",
                    number(entry.get("forks")), number(entry.get("warmupIterations")), entry.get("warmupTime"),
                    number(entry.get("measurementIterations")), entry.get("measurementTime"));
            results.add(new Result(benchmark, benchmark.substring(benchmark.lastIndexOf('.') + 1), row, mode,
                    (String) primary.get("scoreUnit"), number(entry.get("threads")), params, median, settings));
        }
        return results;
    }

    /**
     * {@return the markdown tables}
     *
     * <p>Classes come in name order, so the main table ({@code AllocFreeBenchmark}) leads.
     *
     * @param roles gives a row's {@link Role}, given the benchmark class's name and the row
     */
    static String render(List<Result> results, BiFunction<String, String, Role> roles) {
        Map<String, List<Result>> byClass = new TreeMap<>();
        for (Result r : results) {
            byClass.computeIfAbsent(r.benchmark() + " " + r.mode(), k -> new ArrayList<>()).add(r);
        }
        StringBuilder out = new StringBuilder();
        for (List<Result> classResults : byClass.values()) {
            new ClassTables(classResults, roles).render(out);
        }
        return out.toString();
    }

    /** The tables of one benchmark class in one mode. */
    private static final class ClassTables {
        private final Result first;
        private final boolean time;
        private final Set<Integer> threadCounts = new LinkedHashSet<>();
        /** row -> column -> median; later results replace earlier ones. */
        private final Map<String, Map<Column, Double>> cells = new LinkedHashMap<>();
        /** settings line -> the rows measured with it. */
        private final Map<String, Set<String>> settings = new LinkedHashMap<>();
        private final Map<String, Role> roles = new LinkedHashMap<>();
        private final List<Column> columns;
        private final List<String> rows;
        private final List<String> ours;
        private final List<String> peers;

        ClassTables(List<Result> results, BiFunction<String, String, Role> roleOf) {
            first = results.getFirst();
            time = !first.mode().equals("thrpt");
            results.forEach(r -> threadCounts.add(r.threads()));
            boolean threadColumns = threadCounts.size() > 1;
            for (Result r : results) {
                cells.computeIfAbsent(r.row(), k -> new LinkedHashMap<>())
                        .put(new Column(r.params(), threadColumns ? r.threads() : 0), r.median());
                settings.computeIfAbsent(r.settings(), k -> new LinkedHashSet<>()).add(r.row());
            }
            columns = cells.values().stream().flatMap(m -> m.keySet().stream()).distinct().sorted(Column.ORDER)
                    .toList();
            List<String> sorted = new ArrayList<>(cells.keySet());
            sorted.sort(Comparator.comparing((String row) -> !row.startsWith(OURS)));
            rows = List.copyOf(sorted);
            rows.forEach(row -> roles.put(row, roleOf.apply(first.benchmark(), row)));
            ours = rows.stream().filter(r -> r.startsWith(OURS)).toList();
            peers = rows.stream().filter(r -> !r.startsWith(OURS)).toList();
        }

        void render(StringBuilder out) {
            out.append("\n### ").append(first.className()).append(" (").append(first.mode()).append(", ")
                    .append(first.unit()).append(time ? "; lower is better)\n\n" : "; higher is better)\n\n");
            settingsLine(out);
            medians(out);
            if (threadCounts.size() > 1) {
                scaling(out);
            }
            strongestPeers(out);
            ratios(out);
        }

        private void settingsLine(StringBuilder out) {
            out.append("Median of every measurement iteration; ");
            if (settings.size() == 1) {
                out.append(first.settings()).append(".\n\n");
                return;
            }
            List<String> parts = new ArrayList<>();
            settings.forEach((line, its) -> parts.add(line + " for " + String.join(", ", its)));
            out.append(String.join("; and ", parts)).append(".\n\n");
        }

        private void medians(StringBuilder out) {
            boolean works = rows.stream().anyMatch(row -> roles.get(row).work() != null);
            List<String> header = new ArrayList<>(List.of("benchmark"));
            if (works) {
                header.add("work");
            }
            columns.forEach(c -> header.add(c.label()));
            table(out, header, works ? 2 : 1);
            for (String row : rows) {
                List<String> line = new ArrayList<>(List.of(row));
                if (works) {
                    String work = roles.get(row).work();
                    line.add(work == null ? "" : work);
                }
                columns.forEach(c -> line.add(format(cells.get(row).get(c))));
                out.append(line(line));
            }
        }

        private void scaling(StringBuilder out) {
            int most = threadCounts.stream().mapToInt(Integer::intValue).max().orElseThrow();
            int fewest = threadCounts.stream().mapToInt(Integer::intValue).min().orElseThrow();
            List<Map<String, String>> parameterSets = columns.stream().map(Column::params).distinct().toList();
            // More threads sharing the work: perfect is the same time per operation, or throughput times the threads.
            double perfect = time ? 1 : (double) most / fewest;
            out.append(String.format(Locale.ROOT, "\nScaling: threads=%d / threads=%d (%s; %.2fx is perfect).\n\n",
                    most, fewest, time ? "time per operation" : "throughput", perfect));
            List<String> header = new ArrayList<>(List.of("benchmark"));
            parameterSets.forEach(p -> header.add(new Column(p, 0).label()));
            table(out, header, 1);
            for (String row : rows) {
                List<String> line = new ArrayList<>(List.of(row));
                for (Map<String, String> p : parameterSets) {
                    Double top = cells.get(row).get(new Column(p, most));
                    Double base = cells.get(row).get(new Column(p, fewest));
                    line.add(top == null || base == null ? "-" : String.format(Locale.ROOT, "%.2fx", top / base));
                }
                out.append(line(line));
            }
        }

        /** One table per work that offpool rows do: per parameter set, the fastest peer doing it and beside it. */
        private void strongestPeers(StringBuilder out) {
            Map<String, List<String>> oursByWork = new LinkedHashMap<>();
            for (String row : ours) {
                String work = roles.get(row).work();
                if (work != null) {
                    oursByWork.computeIfAbsent(work, k -> new ArrayList<>()).add(row);
                }
            }
            oursByWork.forEach((work, mine) -> {
                Set<String> works = new LinkedHashSet<>(List.of(work));
                mine.forEach(row -> works.addAll(roles.get(row).beside()));
                List<String> compared = works.stream().filter(w -> peers.stream()
                        .anyMatch(p -> w.equals(roles.get(p).work()))).toList();
                if (compared.isEmpty()) {
                    return;
                }
                List<String> others = compared.stream().filter(w -> !w.equals(work)).map(w -> "\"" + w + "\"")
                        .toList();
                out.append("\noffpool doing \"").append(work).append("\" against ");
                if (compared.getFirst().equals(work)) {
                    out.append("the strongest peer doing the same work");
                    if (!others.isEmpty()) {
                        out.append(", and beside it the strongest doing ").append(String.join(", ", others));
                    }
                } else {
                    out.append("the strongest doing ").append(String.join(", ", others))
                            .append(" (no peer doing the same work is in these results)");
                }
                out.append(": at each parameter set the ").append(time ? "fastest" : "highest-throughput")
                        .append(" such peer, its median and offpool / it (").append(ratioMeaning()).append(").\n\n");
                List<String> header = new ArrayList<>(List.of("parameters"));
                header.addAll(mine);
                Set<Integer> text = new LinkedHashSet<>(List.of(0));
                for (String w : compared) {
                    text.add(header.size());
                    header.add("strongest: " + w);
                    header.add(first.unit());
                    mine.forEach(row -> header.add(row + " / it"));
                }
                table(out, header, text);
                // A parameter set none of these offpool rows ran (another row's parameters) has nothing to compare.
                for (Column c : columns.stream().filter(c -> mine.stream().anyMatch(row -> cells.get(row)
                        .containsKey(c))).toList()) {
                    List<String> line = new ArrayList<>(List.of(c.label()));
                    mine.forEach(row -> line.add(format(cells.get(row).get(c))));
                    for (String w : compared) {
                        String best = strongest(w, c);
                        line.add(best == null ? "-" : best);
                        line.add(best == null ? "-" : format(cells.get(best).get(c)));
                        mine.forEach(row -> line.add(ratio(row, best, c)));
                    }
                    out.append(line(line));
                }
            });
        }

        /** {@return the peer doing {@code work} with the best score in {@code column}, or {@code null} if none} */
        private String strongest(String work, Column column) {
            String best = null;
            for (String peer : peers) {
                Double score = cells.get(peer).get(column);
                if (!work.equals(roles.get(peer).work()) || score == null || score.isNaN()) {
                    continue;
                }
                double bestScore = best == null ? Double.NaN : cells.get(best).get(column);
                if (best == null || (time ? score < bestScore : score > bestScore)) {
                    best = peer;
                }
            }
            return best;
        }

        private void ratios(StringBuilder out) {
            if (peers.isEmpty() || ours.isEmpty()) {
                return;
            }
            out.append("\nEach peer against one offpool row: offpool / peer (").append(ratioMeaning())
                    .append(").\n\n");
            // Only parameter sets some offpool row ran; a peer sharing none with its reference has no ratio to show.
            List<Column> compared = columns.stream().filter(c -> ours.stream().anyMatch(row -> cells.get(row)
                    .containsKey(c))).toList();
            List<String> header = new ArrayList<>(List.of("peer", "offpool side"));
            compared.forEach(c -> header.add(c.label()));
            table(out, header, 2);
            for (String peer : peers) {
                String reference = reference(peer);
                if (reference == null || compared.stream().noneMatch(c -> cells.get(peer).containsKey(c)
                        && cells.get(reference).containsKey(c))) {
                    continue;
                }
                List<String> line = new ArrayList<>(List.of(peer, reference));
                compared.forEach(c -> line.add(ratio(reference, peer, c)));
                out.append(line(line));
            }
        }

        /** {@return the offpool row {@code peer} is compared with on its own, or {@code null} if there is none} */
        private String reference(String peer) {
            Role role = roles.get(peer);
            if (role.versus() != null && cells.containsKey(role.versus())) {
                return role.versus();
            }
            List<String> sameWork = ours.stream().filter(row -> role.work() != null
                    && role.work().equals(roles.get(row).work())).toList();
            if (!sameWork.isEmpty()) {
                return sameWork.contains(DEFAULT_REFERENCE) ? DEFAULT_REFERENCE : sameWork.getFirst();
            }
            if (cells.containsKey(DEFAULT_REFERENCE)) {
                return DEFAULT_REFERENCE;
            }
            return ours.size() == 1 ? ours.getFirst() : null;
        }

        private String ratio(String mine, String theirs, Column column) {
            if (theirs == null) {
                return "-";
            }
            Double a = cells.get(mine).get(column);
            Double b = cells.get(theirs).get(column);
            return a == null || b == null ? "-" : format(a / b);
        }

        private String ratioMeaning() {
            return time ? "time: below 1 means offpool is faster" : "throughput: above 1 means offpool is faster";
        }
    }

    /** A column: one parameter set, at one thread count when the class varies it (0 when it does not). */
    private record Column(Map<String, String> params, int threads) {
        static final Comparator<Column> ORDER = (a, b) -> {
            for (String key : a.params().keySet()) {
                String x = a.params().get(key);
                String y = b.params().getOrDefault(key, "");
                int c = compareValues(x, y);
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(a.threads(), b.threads());
        };

        String label() {
            String p = prefix();
            return threads == 0 ? (p.isEmpty() ? "score" : p.substring(0, p.length() - 1)) : p + "threads=" + threads;
        }

        String prefix() {
            StringBuilder s = new StringBuilder();
            params.forEach((k, v) -> s.append(k).append('=').append(v).append(' '));
            return s.toString();
        }
    }

    private static int compareValues(String x, String y) {
        try {
            return Double.compare(Double.parseDouble(x), Double.parseDouble(y));
        } catch (NumberFormatException e) {
            return x.compareTo(y);
        }
    }

    /**
     * {@return the {@link Versus} and {@link Work} on the methods of a row (same name, {@code name_suffix}, or its
     * group)}
     */
    static Role annotatedRole(String benchmarkClass, String row) {
        Class<?> type;
        try {
            type = Class.forName(benchmarkClass, false, ResultTable.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return Role.NONE;
        }
        String versus = null;
        Work work = null;
        for (Method m : type.getMethods()) {
            Group group = m.getAnnotation(Group.class);
            boolean ofRow = m.getName().equals(row) || m.getName().startsWith(row + "_")
                    || (group != null && group.value().equals(row));
            if (!ofRow) {
                continue;
            }
            Versus v = m.getAnnotation(Versus.class);
            versus = v != null ? v.value() : versus;
            work = m.isAnnotationPresent(Work.class) ? m.getAnnotation(Work.class) : work;
        }
        return new Role(versus, work == null ? null : work.value(), work == null ? List.of()
                : List.of(work.beside()));
    }

    private static String jdkLine(Object json) {
        List<Object> entries = asList(json);
        if (entries.isEmpty()) {
            return "";
        }
        Map<String, Object> entry = asMap(entries.getFirst());
        return "JDK " + entry.get("jdkVersion") + ", " + entry.get("vmName") + " " + entry.get("vmVersion")
                + "; JMH " + entry.get("jmhVersion");
    }

    /** Appends a header and its rule: the first {@code leadingText} columns left-aligned, numbers right-aligned. */
    private static void table(StringBuilder out, List<String> header, int leadingText) {
        Set<Integer> text = new LinkedHashSet<>();
        for (int i = 0; i < leadingText; i++) {
            text.add(i);
        }
        table(out, header, text);
    }

    /** Appends a header and its rule: the columns at {@code text} left-aligned, the others (numbers) right-aligned. */
    private static void table(StringBuilder out, List<String> header, Set<Integer> text) {
        out.append(line(header));
        List<String> rule = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) {
            rule.add(text.contains(i) ? "---" : "---:");
        }
        out.append(line(rule));
    }

    private static String line(List<String> cells) {
        return "| " + String.join(" | ", cells) + " |\n";
    }

    private static String format(Double value) {
        if (value == null || value.isNaN()) {
            return "-";
        }
        double v = value;
        return String.format(Locale.ROOT, v >= 100 ? "%,.0f" : v >= 10 ? "%.1f" : v >= 0.1 ? "%.2f" : "%.2g", v);
    }

    private static double median(Map<String, Object> metric) {
        Object percentiles = metric.get("scorePercentiles");
        if (percentiles != null && asMap(percentiles).get(MEDIAN) instanceof Number n) {
            return n.doubleValue();
        }
        return ((Number) metric.get("score")).doubleValue();
    }

    private static int number(Object value) {
        return value instanceof Number n ? n.intValue() : 0;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object value) {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new IllegalArgumentException("not a JMH result file: expected an object, found " + value);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object value) {
        if (value instanceof List<?> list) {
            return (List<Object>) list;
        }
        throw new IllegalArgumentException("not a JMH result file: expected an array of results");
    }
}
