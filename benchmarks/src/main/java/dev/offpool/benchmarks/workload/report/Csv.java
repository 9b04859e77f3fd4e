package dev.offpool.benchmarks.workload.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CSV file as the workloads write it: a header row, then rows of fields; a field may be quoted with {@code "}
 * (RFC 4180), and a quoted field never holds a line break.
 *
 * @param file   where it was read from, for messages
 * @param header the column names
 * @param rows   the rows after the header
 */
record Csv(Path file, List<String> header, List<List<String>> rows) {
    static Csv read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(file + " is empty: no header row");
        }
        List<List<String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isEmpty()) {
                rows.add(split(line));
            }
        }
        return new Csv(file, split(lines.get(0)), List.copyOf(rows));
    }

    /** {@return the field of {@code row} in column {@code column}} */
    String field(List<String> row, String column) {
        int index = header.indexOf(column);
        if (index < 0) {
            throw new IllegalArgumentException(file + " has no column " + column);
        }
        if (index >= row.size()) {
            throw new IllegalArgumentException(file + ": a row has no field for column " + column + ": " + row);
        }
        return row.get(index);
    }

    private static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }
}
