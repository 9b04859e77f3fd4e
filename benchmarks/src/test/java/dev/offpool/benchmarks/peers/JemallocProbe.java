package dev.offpool.benchmarks.peers;

import dev.offpool.benchmarks.peers.NativeMalloc.Binding;

/**
 * Run by {@link NativeMallocTest} in a JVM under {@code LD_PRELOAD=libjemalloc.so.2}: binds jemalloc both ways,
 * allocates through each, and prints one line per binding; a failed check throws, so the JVM exits non-zero.
 */
public final class JemallocProbe {
    private JemallocProbe() {
    }

    /**
     * Probes both bindings.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        for (Binding binding : Binding.values()) {
            NativeMalloc jemalloc = NativeMalloc.jemallocPreloaded(binding);
            NativeMallocTest.assertAllocatesZeroedAndPlainBlocks(jemalloc);
            System.out.println(jemalloc.name() + " " + jemalloc.binding());
        }
    }
}
