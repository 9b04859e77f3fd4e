package dev.offpool.benchmarks.workload;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the workload programs in JVMs of their own, as workloads.sh does. */
class WorkloadMainTest {
    @Test
    void aProgramWritesItsThreeFilesAndExitsZeroWhenItsCountsAddUp(@TempDir Path out)
            throws IOException, InterruptedException {
        Result result = run(ServerWorkload.class, "--peer", "glibc", "--duration", "1s", "--live", "2m",
                "--sample-interval", "100ms", "--out", out.toString());

        assertEquals(0, result.status(), result.output());
        assertTrue(result.output().lines().anyMatch(line -> line.startsWith("server glibc t1: ")
                && line.endsWith("counts add up")), result.output());
        String run = RunFiles.runName("server", "glibc", 1);
        assertTrue(Files.exists(RunFiles.samples(out, run)));
        assertTrue(Files.exists(RunFiles.percentiles(out, run)));
        assertTrue(Files.readString(RunFiles.summary(out, run)).contains("\nleaked_bytes,0\n"));
    }

    @Test
    void aPeerThatCannotRunHereExitsTwoSayingWhy(@TempDir Path out) throws IOException, InterruptedException {
        Result result = run(FragmenterWorkload.class, "--peer", "jemalloc", "--out", out.toString());

        assertEquals(2, result.status(), result.output());
        assertTrue(result.output().startsWith("jemalloc is not preloaded: run this benchmark with LD_PRELOAD="),
                result.output());
    }

    @Test
    void aMalformedOptionExitsTwoNamingIt(@TempDir Path out) throws IOException, InterruptedException {
        Result result = run(BurstDrainWorkload.class, "--peer", "glibc", "--peak-factor", "lots", "--out",
                out.toString());

        assertEquals(2, result.status(), result.output());
        assertEquals("BurstDrainWorkload: --peak-factor must be a number from 1.0 to 1000.0, was 'lots'",
                result.output().strip());
    }

    private record Result(int status, String output) {
    }

    private static Result run(Class<?> program, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), program.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(2, TimeUnit.MINUTES), "did not finish: " + output);
        return new Result(process.exitValue(), output);
    }
}
