package dev.offpool.benchmarks.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The agent's counters as its report prints them ({@code reportTo=FILE}, agent/README.md): the last report in the
 * text, normally the one written at exit. The one reader of that format in the benchmarks, for {@code servers.sh}
 * (through {@link #main}) and the servers' test alike.
 *
 * @param redirected         direct buffers redirected into offpool's pools
 * @param keptOnJdk          requests of sites the agent keeps on the JDK's path (their buffers live long)
 * @param refusedAtLimit     requests refused at the JDK's direct-memory limit ({@code OutOfMemoryError})
 * @param fellBack           requests the agent took but gave to the JDK's path (all reasons)
 * @param outsideSizeRange   requests outside {@code minBytes..maxBytes}, left on the JDK's path
 * @param freedByGc          redirected buffers freed after the GC found them dead
 * @param freedExplicitly    redirected buffers freed by the program ({@code invokeCleaner}, {@code Redirects.free})
 */
public record AgentCounters(long redirected, long keptOnJdk, long refusedAtLimit, long fellBack,
                            long outsideSizeRange, long freedByGc, long freedExplicitly) {
    /** The CSV columns {@link #main} prints, in order; servers.sh puts them in its header. */
    public static final List<String> COLUMNS = List.of("redirected", "kept_on_jdk", "refused_at_limit",
            "fell_back", "outside_size_range", "freed_by_gc", "freed_explicitly");
    private static final String REPORT_HEADING = "=== offpool agent report";

    /**
     * Prints the counters of the report file {@code args[0]} as one CSV line in the order of {@link #COLUMNS}, or,
     * for {@code --columns}, the column names as a CSV line.
     *
     * @param args the report file, or {@code --columns}
     */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: AgentCounters REPORT_FILE | --columns");
            System.exit(2);
        }
        if (args[0].equals("--columns")) {
            System.out.println(String.join(",", COLUMNS));
            return;
        }
        AgentCounters counters;
        try {
            counters = parse(Files.readString(Path.of(args[0])));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the agent's report " + args[0], e);
        }
        System.out.println(counters.csv());
    }

    /**
     * {@return the counters of the last report in {@code text}}
     *
     * @param text what the agent wrote to its {@code reportTo} file (one or more reports)
     * @throws IllegalArgumentException if there is no report, or it lacks one of the counters
     */
    public static AgentCounters parse(String text) {
        int start = text.lastIndexOf(REPORT_HEADING);
        if (start < 0) {
            throw new IllegalArgumentException("no agent report (a line starting '" + REPORT_HEADING + "') in:\n"
                    + text);
        }
        List<String> lines = text.substring(start).lines().toList();
        return new AgentCounters(counter(lines, "# direct buffers redirected"),
                counter(lines, "# kept on the JDK's path (site mode)"),
                counter(lines, "# refused at the JDK's limit (OOME)"),
                counter(lines, "# fell back to the JDK"), counter(lines, "# outside minBytes..maxBytes (JDK's)"),
                counter(lines, "# freed by the GC"), counter(lines, "# freed explicitly"));
    }

    /** {@return the counters as one CSV line, in the order of {@link #COLUMNS}} */
    public String csv() {
        return List.of(redirected, keptOnJdk, refusedAtLimit, fellBack, outsideSizeRange, freedByGc, freedExplicitly)
                .stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    /** A counter line is {@code LABEL<spaces>=<spaces>1,234}, the digits grouped by the default locale. */
    private static long counter(List<String> lines, String label) {
        for (String line : lines) {
            if (line.startsWith(label) && line.substring(label.length()).stripLeading().startsWith("=")) {
                String digits = line.substring(line.indexOf('=') + 1).replaceAll("[^0-9]", "");
                return Long.parseLong(digits);
            }
        }
        throw new IllegalArgumentException("the agent's report has no line '" + label + " = N':\n"
                + String.join("\n", lines));
    }
}
