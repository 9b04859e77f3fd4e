package dev.offpool;

/** The one line format of every stats table: a label, then a right-aligned figure, as CPython prints them. */
final class StatsLine {
    private StatsLine() {
    }

    /** Appends {@code label = value} to {@code out}. */
    static void append(StringBuilder out, String label, long value) {
        out.append(String.format("%-40s = %,18d%n", label, value));
    }

    /** Appends {@code label = value} with three decimals. */
    static void append(StringBuilder out, String label, double value) {
        out.append(String.format("%-40s = %18.3f%n", label, value));
    }
}
