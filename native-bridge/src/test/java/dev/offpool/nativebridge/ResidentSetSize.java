package dev.offpool.nativebridge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's resident set size, read from {@code /proc/self/statm} (second field: resident pages). */
final class ResidentSetSize {
    private static final Path STATM = Path.of("/proc/self/statm");

    private ResidentSetSize() {
    }

    /** {@return the bytes of this process that are resident in physical memory now} */
    static long bytes() {
        try {
            String[] fields = Files.readString(STATM).trim().split("\\s+");
            return Long.parseLong(fields[1]) * OsMemory.pageSize();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STATM, e);
        }
    }
}
