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
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Prints JMH JSON results as markdown: per benchmark class, a table of medians (rows: benchmarks, columns:
 * parameters) and a table of ratios of offpool to each peer.
 *
 * {@snippet lang = "sh" :
 * java -cp benchmarks/target/benchmarks.jar dev.offpool.benchmarks.report.ResultTable results/main.json results/jemalloc.json
 * }
 *
 * <p>Rules, so the tables read the same for every class:
 * <ul>
 *   <li>a cell is the median of all measurement iterations of all forks ({@code scorePercentiles["50.0"]});</li>
 *   <li>a method named {@code name_suffix} is row {@code name}: {@code TwoThreadsBenchmark}'s
 *       {@code offpoolRaw_1thread} and {@code offpoolRaw_2threads} share a row, in columns {@code threads=1} and
 *       {@code threads=2}, followed by the scaling column {@code threads=2 / threads=1};</li>
 *   <li>a JMH group (throughput) is scored by its slowest method, i.e. the rate at which items get through;</li>
 *   <li>rows named {@code offpool*} are ours; every other row is a peer, compared with the offpool row its
 *       {@link Versus} names, else {@code offpoolRaw}, else the class's only offpool row. The ratio is always
 *       offpool / peer: for times below 1 means offpool is faster, for throughputs above 1 does.</li>
 * </ul>
 * Input files are merged; a benchmark and parameter set seen twice keeps the later result.
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
        System.out.print(render(results, ResultTable::versusAnnotation));
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
     * @param versus finds a peer row's reference, given the benchmark class's name and the row
     */
    static String render(List<Result> results, BiFunction<String, String, Optional<String>> versus) {
        Map<String, List<Result>> byClass = new TreeMap<>();
        for (Result r : results) {
            byClass.computeIfAbsent(r.benchmark() + " " + r.mode(), k -> new ArrayList<>()).add(r);
        }
        StringBuilder out = new StringBuilder();
        for (List<Result> classResults : byClass.values()) {
            renderClass(out, classResults, versus);
        }
        return out.toString();
    }

    private static void renderClass(StringBuilder out, List<Result> results, BiFunction<String, String,
            Optional<String>> versus) {
        Result first = results.getFirst();
        boolean time = !first.mode().equals("thrpt");
        Set<Integer> threadCounts = new LinkedHashSet<>();
        results.forEach(r -> threadCounts.add(r.threads()));
        boolean threadColumns = threadCounts.size() > 1;

        // cells: row -> column -> median; later results replace earlier ones
        Map<String, Map<Column, Double>> cells = new LinkedHashMap<>();
        for (Result r : results) {
            cells.computeIfAbsent(r.row(), k -> new LinkedHashMap<>())
                    .put(new Column(r.params(), threadColumns ? r.threads() : 0), r.median());
        }
        List<Column> columns = cells.values().stream().flatMap(m -> m.keySet().stream()).distinct()
                .sorted(Column.ORDER).toList();
        List<String> rows = new ArrayList<>(cells.keySet());
        rows.sort(Comparator.comparing((String row) -> !row.startsWith(OURS)));

        out.append("\n### ").append(first.className()).append(" (").append(first.mode()).append(", ")
                .append(first.unit()).append(time ? "; lower is better)\n\n" : "; higher is better)\n\n");
        out.append("Median of every measurement iteration; ").append(first.settings()).append(".\n\n");

        // medians, with a scaling column per parameter set when the class varies thread counts
        List<String> header = new ArrayList<>(List.of("benchmark"));
        columns.forEach(c -> header.add(c.label()));
        List<Map<String, String>> scalingSets = new ArrayList<>();
        int maxThreads = threadCounts.stream().mapToInt(Integer::intValue).max().orElse(1);
        int minThreads = threadCounts.stream().mapToInt(Integer::intValue).min().orElse(1);
        if (threadColumns) {
            columns.stream().map(Column::params).distinct().forEach(scalingSets::add);
            scalingSets.forEach(p -> header.add(new Column(p, 0).prefix() + "threads=" + maxThreads + " / threads="
                    + minThreads));
        }
        table(out, header);
        for (String row : rows) {
            List<String> line = new ArrayList<>(List.of(row));
            Map<Column, Double> rowCells = cells.get(row);
            columns.forEach(c -> line.add(format(rowCells.get(c))));
            for (Map<String, String> p : scalingSets) {
                Double top = rowCells.get(new Column(p, maxThreads));
                Double base = rowCells.get(new Column(p, minThreads));
                line.add(top == null || base == null ? "-" : String.format(Locale.ROOT, "%.2fx", top / base));
            }
            out.append(line(line));
        }

        // ratios of offpool to each peer
        List<String> peers = rows.stream().filter(r -> !r.startsWith(OURS)).toList();
        List<String> ours = rows.stream().filter(r -> r.startsWith(OURS)).toList();
        if (peers.isEmpty() || ours.isEmpty()) {
            return;
        }
        out.append("\nRatio offpool / peer (").append(time ? "time: below 1 means offpool is faster"
                : "throughput: above 1 means offpool is faster").append(").\n\n");
        List<String> ratioHeader = new ArrayList<>(List.of("peer", "offpool side"));
        columns.forEach(c -> ratioHeader.add(c.label()));
        table(out, ratioHeader);
        for (String peer : peers) {
            String reference = versus.apply(first.benchmark(), peer).filter(cells::containsKey)
                    .orElse(cells.containsKey(DEFAULT_REFERENCE) ? DEFAULT_REFERENCE
                            : ours.size() == 1 ? ours.getFirst() : null);
            if (reference == null) {
                continue;
            }
            List<String> line = new ArrayList<>(List.of(peer, reference));
            for (Column c : columns) {
                Double mine = cells.get(reference).get(c);
                Double theirs = cells.get(peer).get(c);
                line.add(mine == null || theirs == null ? "-" : format(mine / theirs));
            }
            out.append(line(line));
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

    /** {@return the {@link Versus} on a method of the row (same name, {@code name_suffix}, or its group)} */
    private static Optional<String> versusAnnotation(String benchmarkClass, String row) {
        Class<?> type;
        try {
            type = Class.forName(benchmarkClass, false, ResultTable.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return Optional.empty();
        }
        for (Method m : type.getMethods()) {
            Group group = m.getAnnotation(Group.class);
            boolean ofRow = m.getName().equals(row) || m.getName().startsWith(row + "_")
                    || (group != null && group.value().equals(row));
            Versus v = m.getAnnotation(Versus.class);
            if (ofRow && v != null) {
                return Optional.of(v.value());
            }
        }
        return Optional.empty();
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

    private static void table(StringBuilder out, List<String> header) {
        out.append(line(header));
        List<String> rule = new ArrayList<>(List.of("---"));
        for (int i = 1; i < header.size(); i++) {
            rule.add(i == 1 && header.get(1).equals("offpool side") ? "---" : "---:");
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
