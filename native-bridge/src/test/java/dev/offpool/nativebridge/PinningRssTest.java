package dev.offpool.nativebridge;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One live block pins a pool, not an arena: with the mmap page source, 77 blocks left out of a million keep RSS
 * within 2 MiB of the baseline (CPython 3.13 keeps all 80 arenas, 80 MiB, for this case).
 *
 * <p>The scenario runs in a JVM forked with the same {@code java} as this test (the toolchain's), with a fixed,
 * pre-touched Java heap and the interpreter only, so that only off-heap memory moves its RSS: with the JIT on, code
 * compiled after the baseline moved RSS by up to a mebibyte either way between runs; interpreted, the pinned figure
 * is the same every run (77 pools of 16 KiB, 1.2 MiB) and the scenario takes about six seconds.
 */
class PinningRssTest {
    private static final long MIB = 1 << 20;

    @Test
    void seventySevenLiveBlocksOutOfAMillionPinLessThanTwoMebibytes() throws Exception {
        Map<String, Long> result = runPinningProgram();
        assertEquals(77, result.get("kept"));
        assertTrue(result.get("peakAboveBaseline") > 40 * MIB, "the million blocks were resident: " + result);
        assertTrue(result.get("pinnedAboveBaseline") <= 2 * MIB, "RSS while 77 blocks are live: " + result);
        assertTrue(result.get("drainedAboveBaseline") <= MIB, "RSS once every block is freed: " + result);
    }

    private static Map<String, Long> runPinningProgram() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = List.of(java, "-Xint", "-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                PinningProgram.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        Map<String, Long> values = new HashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("pageSource")) {
                values.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1).trim()));
            }
        }
        assertTrue(output.contains("pageSource=mmap"), output);
        System.out.println("pinning scenario: " + values);
        return values;
    }
}
