package dev.offpool.internal;

import dev.offpool.OffPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code -Doffpool.stats=exit} in a JVM of its own: the tables at close and at exit, on standard error or a file. */
class StatsAtExitTest {
    @TempDir
    Path dir;

    /** The app: an allocator closed before exit, one kept open with a block held, and the global allocator. */
    public static final class App {
        public static void main(String[] args) {
            try (OffPool shortLived = OffPool.builder().name("short-lived").build()) {
                shortLived.allocateAddress(100);
            }
            OffPool kept = OffPool.builder().name("kept").build();
            kept.allocateAddress(48);
            OffPool.global().allocateAddress(64);
            System.out.println("app done");
        }
    }

    private static String run(String property) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--enable-native-access=ALL-UNNAMED", "-Doffpool.stats=" + property, "-cp",
                System.getProperty("java.class.path"), App.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        return output;
    }

    @Test
    void exitPrintsEachAllocatorsTableAtCloseOrAtExitToStandardError() throws Exception {
        String output = run("exit");
        int closed = output.indexOf("=== offpool stats at close: short-lived ===");
        int done = output.indexOf("app done");
        assertTrue(closed >= 0 && closed < done, "the closed allocator's table, as it closed:\n" + output);
        assertTrue(output.indexOf("=== offpool stats at exit: kept ===") > done, output);
        assertTrue(output.indexOf("=== offpool stats at exit: global ===") > done, output);
        String kept = output.substring(output.indexOf("at exit: kept"));
        assertTrue(kept.contains("# bytes in allocated blocks") && kept.contains("48"),
                "the table itself, with the 48-byte block:\n" + kept);
        assertFalse(output.contains("at exit: short-lived"), "a closed allocator is not printed twice");
    }

    @Test
    void exitToAFileAppendsTheTablesThere() throws Exception {
        Path file = dir.resolve("stats.txt");
        String output = run("exit:" + file);
        assertFalse(output.contains("=== offpool stats"), "nothing on the console:\n" + output);
        String written = Files.readString(file);
        assertTrue(written.contains("=== offpool stats at close: short-lived ===")
                && written.contains("=== offpool stats at exit: kept ==="), written);
    }

    @Test
    void anyOtherValueIsRefusedWithThePropertysName() {
        System.setProperty(StatsAtExit.PROPERTY, "atexit");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OffPool.builder().name("stats-typo").build());
            assertEquals("system property offpool.stats must be exit or exit:FILE, was \"atexit\"", e.getMessage());
        } finally {
            System.clearProperty(StatsAtExit.PROPERTY);
        }
    }
}
