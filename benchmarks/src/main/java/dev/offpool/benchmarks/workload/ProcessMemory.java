package dev.offpool.benchmarks.workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident set size, from {@code /proc/self/statm} (its second field, in pages): cheap enough to read
 * several times a second, unlike {@code smaps_rollup}, which walks every mapping. The page size comes from libc's
 * {@code getpagesize()} through the FFM linker.
 */
final class ProcessMemory {
    private static final Path STATM = Path.of("/proc/self/statm");
    private static final long PAGE_BYTES = pageSize();

    private ProcessMemory() {
    }

    /** {@return the resident set size in bytes} */
    static long residentBytes() {
        try {
            String statm = Files.readString(STATM);
            int start = statm.indexOf(' ') + 1;
            int end = statm.indexOf(' ', start);
            return Long.parseLong(statm, start, end, 10) * PAGE_BYTES;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STATM + " (the workloads need Linux's /proc)", e);
        }
    }

    private static long pageSize() {
        Linker linker = Linker.nativeLinker();
        MethodHandle getpagesize = linker.downcallHandle(linker.defaultLookup().find("getpagesize").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
        try {
            return (int) getpagesize.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("getpagesize() failed", t);
        }
    }
}
