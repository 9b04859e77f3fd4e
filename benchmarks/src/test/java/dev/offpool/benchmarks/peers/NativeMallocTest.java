package dev.offpool.benchmarks.peers;

import dev.offpool.benchmarks.peers.NativeMalloc.Binding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NativeMallocTest {
    private static final int BLOCK_BYTES = 4096;

    @ParameterizedTest
    @EnumSource(Binding.class)
    void glibcCallocReturnsZeroedMemoryAfterADirtyBlockWasFreed(Binding binding) {
        NativeMalloc glibc = NativeMalloc.glibc(binding);

        assertEquals(binding, glibc.binding());
        assertAllocatesZeroedAndPlainBlocks(glibc);
    }

    @ParameterizedTest
    @EnumSource(Binding.class)
    void mimallocCallocAndZallocReturnZeroedMemory(Binding binding) {
        assumeTrue(mimallocInstalled(), "libmimalloc.so.2 is not installed (apt-get install -y libmimalloc2.0)");
        NativeMalloc mimalloc = NativeMalloc.mimalloc(binding);

        assertEquals("mimalloc", mimalloc.name());
        assertAllocatesZeroedAndPlainBlocks(mimalloc);
        long dirty = mimalloc.malloc(BLOCK_BYTES);
        block(dirty).fill((byte) 0x5A);
        mimalloc.free(dirty);
        long zeroed = mimalloc.zalloc(BLOCK_BYTES);
        assertAllZero(zeroed);
        mimalloc.free(zeroed);
    }

    @Test
    void theDefaultBindingIsCriticalAndIsTheSameInstance() {
        assertSame(NativeMalloc.glibc(Binding.CRITICAL), NativeMalloc.glibc());
        assertEquals(Binding.CRITICAL, NativeMalloc.glibc().binding());
    }

    @Test
    void zallocOfALibraryWithoutOneIsRefusedByName() {
        NativeMalloc glibc = NativeMalloc.glibc();

        assertNull(glibc.zalloc());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> glibc.zalloc(64));
        assertEquals("glibc has no zalloc; use calloc", e.getMessage());
    }

    @Test
    void jemallocWithoutThePreloadIsRefusedWithHowToPreloadIt() {
        assumeFalse(String.valueOf(System.getenv("LD_PRELOAD")).contains("libjemalloc"), "this JVM preloads it");

        for (Binding binding : Binding.values()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> NativeMalloc.jemallocPreloaded(binding));
            assertTrue(e.getMessage().startsWith("jemalloc is not preloaded: run this benchmark with LD_PRELOAD="
                    + "libjemalloc.so.2"), e.getMessage());
        }
    }

    /** Runs {@link JemallocProbe} in a JVM started with {@code LD_PRELOAD=libjemalloc.so.2}. */
    @Test
    void jemallocUnderThePreloadIsBoundFromItsOwnLibraryInBothBindings() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), JemallocProbe.class.getName());
        builder.environment().put("LD_PRELOAD", "libjemalloc.so.2");
        builder.redirectErrorStream(true);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "probe did not finish: " + output);
        assumeFalse(output.contains("cannot be preloaded"), "libjemalloc.so.2 is not installed: " + output);

        assertEquals(0, process.exitValue(), output);
        assertEquals(List.of("jemalloc CRITICAL", "jemalloc NON_CRITICAL"), output.lines().toList(), output);
    }

    /** Checks malloc gives a writable block and calloc a zeroed one even when the memory was just dirtied. */
    static void assertAllocatesZeroedAndPlainBlocks(NativeMalloc allocator) {
        long dirty = allocator.malloc(BLOCK_BYTES);
        block(dirty).fill((byte) 0x5A);
        assertEquals(0x5A, block(dirty).get(ValueLayout.JAVA_BYTE, BLOCK_BYTES - 1));
        allocator.free(dirty);

        long zeroed = allocator.calloc(BLOCK_BYTES);
        assertAllZero(zeroed);
        allocator.free(zeroed);
    }

    private static void assertAllZero(long address) {
        long mismatch = block(address).mismatch(MemorySegment.ofArray(new byte[BLOCK_BYTES]));
        assertEquals(-1, mismatch, "first non-zero byte at offset " + mismatch);
    }

    private static MemorySegment block(long address) {
        return MemorySegment.ofAddress(address).reinterpret(BLOCK_BYTES);
    }

    private static boolean mimallocInstalled() {
        try {
            SymbolLookup.libraryLookup("libmimalloc.so.2", Arena.global());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
