package dev.offpool.reliability;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Suite 3 of the reliability suite: a soak of a mixed workload ({@link SoakProgram}: four threads, 16 B to 4 MiB,
 * lifetimes from an instant to minutes), in which RSS, reserved bytes and the Java heap must stay flat once the
 * workload's live set has reached its steady state.
 *
 * <h2>Where it runs, and why</h2>
 * In a JVM of its own, forked with the toolchain's {@code java}, with native-bridge's mmap page source (this
 * module's class path), a fixed pre-touched Java heap ({@code -Xms256m -Xmx256m -XX:+AlwaysPreTouch}) and the serial
 * collector: RSS is a whole-process figure, so in the test JVM it would move with every other suite's memory and with
 * the heap's growth; forked, only the soak's off-heap memory and the JVM's own code and metadata move it. The mmap
 * source is the one that gives pages back to the OS, so it is the one for which RSS means something.
 *
 * <h2>What "flat" means here: the bound and why</h2>
 * The first {@value SoakProgram#WARM_UP_FRACTION} of the run is warm-up: the longest lifetime, so that afterwards the
 * live set is stationary. Over the samples after it, a least-squares line gives each figure's drift per minute; the
 * drift over the whole measured window must stay within
 * <ul>
 *   <li>reserved bytes minus live bytes (what the allocator holds beyond what the workload holds: caches, partly used
 *       pools, free large-chunk space): {@value #RESERVED_BOUND_MIB} MiB or {@value #RELATIVE_BOUND_PERCENT}% of
 *       the mean reserved bytes, whichever is larger;</li>
 *   <li>RSS minus live bytes: {@value #RSS_BOUND_MIB} MiB or {@value #RELATIVE_BOUND_PERCENT}% of the mean reserved
 *       bytes, plus the swing of the reserved bytes over the window. Pages become resident as they are first
 *       touched, which lags the reservation of their arena or chunk, so RSS can follow reserved bytes up and down by
 *       as much as they swing; a leak of the allocator's memory shows first, and more tightly, in reserved minus
 *       live bytes. The JVM's own code and metadata add a few MiB of noise;</li>
 *   <li>the allocator's Java-heap metadata: {@value #METADATA_BOUND_KIB} KiB or {@value #RELATIVE_BOUND_PERCENT}%;
 *       the used heap after a full GC: {@value #HEAP_BOUND_MIB} MiB.</li>
 * </ul>
 * A window shorter than a minute (the default build's 20-second run: about 14 seconds, a few hundred live blocks)
 * allows reserved minus live bytes one more step, {@value #SHORT_WINDOW_STEP_MIB} MiB (a large chunk): with that few
 * samples, least squares cannot tell one chunk taken near the window's end from a drift, and the default build saw
 * 8.2 MiB against the plain 8 MiB bound in a run whose every reserved byte went back after the frees and
 * {@code trim()}. A leak at the rate the bounds are made for (3.5 MiB a minute, below) would not show in 14 seconds
 * at all: the short run checks that the soak runs and gives everything back; the stress profile's 7-minute window
 * keeps the plain bound.
 *
 * <p>Subtracting the live bytes takes the workload's own wandering out of the allocator's figures. The bounds are far
 * below what a leak would show: one block leaked per thousand allocations of this mix (4,000 a second, 15 KiB on
 * average) is 3.5 MiB a minute, 25 MiB over the seven measured minutes of the full run; they are above the steps in
 * which memory legitimately moves (a 1 MiB arena, a 4 MiB large chunk, a huge block of up to 4 MiB).
 *
 * <p>Length: {@code -Doffpool.reliability.soakSeconds} (20 in the default build, 600 in the stress profile). The
 * samples are also written to {@code target/soak-samples.csv}.
 */
class SoakTest {
    static final double SECONDS = Double.parseDouble(System.getProperty("offpool.reliability.soakSeconds", "20"));
    static final int RESERVED_BOUND_MIB = 8;
    static final int SHORT_WINDOW_STEP_MIB = 4;
    static final int RSS_BOUND_MIB = 16;
    static final int METADATA_BOUND_KIB = 256;
    static final int HEAP_BOUND_MIB = 8;
    static final int RELATIVE_BOUND_PERCENT = 10;
    private static final double MIB = 1 << 20;

    /** One sample line of the program's output. */
    record Sample(double minutes, long rss, long reserved, long live, long blocks, long metadata, long heap,
                  long allocations) {
        static Sample parse(String line) {
            Map<String, Long> values = fields(line);
            return new Sample(values.get("t") / 60_000.0, values.get("rss"), values.get("reserved"),
                    values.get("live"), values.get("blocks"), values.get("meta"), values.get("heap"),
                    values.get("allocations"));
        }
    }

    @Test
    void rssReservedBytesAndHeapMetadataStayFlatOnceTheLiveSetIsSteady() throws Exception {
        List<String> output = runSoak();
        assertTrue(output.contains("pageSource=mmap"), () -> "the soak runs on the mmap page source: " + output);
        List<Sample> samples = output.stream().filter(l -> l.startsWith("sample ")).map(Sample::parse).toList();
        Map<String, Long> done = fields(output.stream().filter(l -> l.startsWith("done ")).findFirst()
                .orElseThrow(() -> new AssertionError("the soak did not finish: " + output)));
        writeCsv(samples);

        double warmUpMinutes = SECONDS * SoakProgram.WARM_UP_FRACTION / 60;
        List<Sample> steady = samples.stream().filter(s -> s.minutes() >= warmUpMinutes).toList();
        assertTrue(steady.size() >= 5, () -> "too few samples after the warm-up: " + samples);
        double window = steady.getLast().minutes() - steady.getFirst().minutes();

        List<String> report = new ArrayList<>();
        report.add(String.format("[reliability] soak: %.0f s, %d threads, %,d allocations (%,d freed on another "
                        + "thread), %d samples after a %.0f s warm-up, page source mmap", SECONDS,
                SoakProgram.THREADS, done.get("allocations"), done.get("crossThreadFrees"), steady.size(),
                warmUpMinutes * 60));
        report.add(String.format("[reliability]   %-26s %12s %14s %16s %12s", "figure", "mean (MiB)", "drift (MiB/min)",
                "over window (MiB)", "bound (MiB)"));
        List<String> failures = new ArrayList<>();
        Figure live = figure("live bytes (the workload)", steady, s -> s.live(), Double.NaN, report, failures);
        figure("RSS", steady, s -> s.rss(), Double.NaN, report, failures);
        figure("reserved bytes", steady, s -> s.reserved(), Double.NaN, report, failures);
        double meanReserved = mean(steady, Sample::reserved);
        double reservedSwing = steady.stream().mapToLong(Sample::reserved).max().orElseThrow()
                - steady.stream().mapToLong(Sample::reserved).min().orElseThrow();
        figure("RSS - live", steady, s -> s.rss() - s.live(), Math.max(RSS_BOUND_MIB * MIB,
                meanReserved * RELATIVE_BOUND_PERCENT / 100) + reservedSwing, report, failures);
        figure("reserved - live", steady, s -> s.reserved() - s.live(),
                Math.max(RESERVED_BOUND_MIB * MIB, meanReserved * RELATIVE_BOUND_PERCENT / 100)
                        + (window < 1 ? SHORT_WINDOW_STEP_MIB * MIB : 0), report, failures);
        figure("heap metadata", steady, s -> s.metadata(), Math.max(METADATA_BOUND_KIB * 1024.0,
                mean(steady, Sample::metadata) * RELATIVE_BOUND_PERCENT / 100), report, failures);
        figure("Java heap after GC", steady, s -> s.heap(), HEAP_BOUND_MIB * MIB, report, failures);
        report.add(String.format("[reliability]   live blocks: mean %,.0f; after the run, every block freed and "
                        + "trim(): %,d bytes reserved, RSS %.1f MiB (%.1f MiB at the first sample)",
                mean(steady, Sample::blocks), done.get("reservedAfterTrim"), done.get("rssAfterTrim") / MIB,
                samples.getFirst().rss() / MIB));
        report.forEach(System.out::println);

        assertTrue(live.mean() > 0, "the workload held blocks");
        assertEquals(List.of(), failures, () -> String.join("\n", report));
        assertEquals(0, done.get("reservedAfterTrim"), "every reserved byte goes back once everything is freed");
        assertTrue(window > 0);
    }

    /** A figure's mean and its least-squares drift over the measured window. */
    record Figure(double mean, double slopePerMinute, double window) {
    }

    private static Figure figure(String name, List<Sample> samples, ToDoubleFunction<Sample> value, double bound,
                                 List<String> report, List<String> failures) {
        double meanT = mean(samples, Sample::minutes);
        double meanV = mean(samples, value);
        double covariance = 0;
        double variance = 0;
        for (Sample s : samples) {
            covariance += (s.minutes() - meanT) * (value.applyAsDouble(s) - meanV);
            variance += (s.minutes() - meanT) * (s.minutes() - meanT);
        }
        double slope = covariance / variance;
        double window = samples.getLast().minutes() - samples.getFirst().minutes();
        double drift = slope * window;
        report.add(String.format("[reliability]   %-26s %12.1f %14.2f %16.2f %12s", name, meanV / MIB, slope / MIB,
                drift / MIB, Double.isNaN(bound) ? "-" : String.format("%.1f", bound / MIB)));
        if (!Double.isNaN(bound) && Math.abs(drift) > bound) {
            failures.add(name + " drifted " + String.format("%.2f", drift / MIB) + " MiB over " + String.format(
                    "%.1f", window) + " min, over the bound of " + String.format("%.1f", bound / MIB) + " MiB");
        }
        return new Figure(meanV, slope, window);
    }

    private static double mean(List<Sample> samples, ToDoubleFunction<Sample> value) {
        return samples.stream().mapToDouble(value).average().orElse(Double.NaN);
    }

    private static List<String> runSoak() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(java.toString(), "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch",
                "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                SoakProgram.class.getName(), String.valueOf(SECONDS));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                return reader.lines().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!process.waitFor((long) SECONDS + 180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the soak did not end within " + (SECONDS + 180) + " s");
        }
        List<String> output = lines.join();
        assertEquals(0, process.exitValue(), () -> String.join("\n", output));
        return output;
    }

    /** The {@code key=value} fields after a line's first word. */
    private static Map<String, Long> fields(String line) {
        Map<String, Long> values = new HashMap<>();
        for (String field : line.substring(line.indexOf(' ') + 1).split(" ")) {
            int eq = field.indexOf('=');
            values.put(field.substring(0, eq), Long.parseLong(field.substring(eq + 1)));
        }
        return values;
    }

    private static void writeCsv(List<Sample> samples) throws IOException {
        StringBuilder csv = new StringBuilder("minutes,rss,reserved,live,blocks,metadata,heap,allocations\n");
        for (Sample s : samples) {
            csv.append(String.format("%.4f,%d,%d,%d,%d,%d,%d,%d%n", s.minutes(), s.rss(), s.reserved(), s.live(),
                    s.blocks(), s.metadata(), s.heap(), s.allocations()));
        }
        Path target = Path.of("target");
        Files.createDirectories(target);
        Files.writeString(target.resolve("soak-samples.csv"), csv);
    }
}
