package dev.offpool.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prometheus' own JMX exporter ({@code jmx_prometheus_javaagent}, from Maven Central) attached to an agent run,
 * scraped over loopback: offpool's per-class and per-site figures reach Prometheus, and its buffer pool has the
 * shape of the JDK's.
 */
class PrometheusExporterIT {
    private static final Path EXPORTER = Path.of(System.getProperty("offpool.test.jmxExporter"));

    @TempDir
    Path dir;

    @Test
    void theExporterPublishesPerClassAndPerSiteSeriesAndTheBufferPoolBesideTheJdks() throws Exception {
        Path config = dir.resolve("jmx-exporter.yaml");
        Files.writeString(config, "rules:\n- pattern: \".*\"\n");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        List<String> command = new ArrayList<>(ForkedJvm.app()
                .jvmOption("-javaagent:" + EXPORTER + "=127.0.0.1:" + port + ":" + config)
                .command("com.example.bufferapps.ObservedApp", "sleep", "60000"));
        // offpool's agent first: the exporter's after it, as the docs say
        int exporter = command.indexOf("-javaagent:" + EXPORTER + "=127.0.0.1:" + port + ":" + config);
        String exporterOption = command.remove(exporter);
        command.add(command.indexOf("-cp"), exporterOption);
        Process app = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("app.out").toFile()).start();
        try {
            String metrics = scrapeUntil(port, "dev_offpool_Agent_TopCallSites", app, dir.resolve("app.out"));
            List<String> series = metrics.lines().filter(l -> !l.startsWith("#")).toList();

            assertTrue(series.stream().anyMatch(l -> l.startsWith("dev_offpool_Allocator_SizeClasses_blocksInUse{")
                    && l.contains("name=\"global\"") && l.contains("key=\"") && !l.endsWith(" 0.0")),
                    "a series per size class, one holding the app's blocks:\n" + grep(series, "SizeClasses"));
            String site = "key=\"com.example.bufferapps.ObservedApp.hold(int)";
            assertTrue(series.stream().anyMatch(l -> l.startsWith("dev_offpool_Agent_TopCallSites_liveBytes{")
                    && l.contains(site) && l.endsWith(" 10000.0")),
                    "a series per call site, the app's with its 10 buffers of 1000 bytes:\n"
                            + grep(series, "TopCallSites_liveBytes"));

            String direct = series.stream().filter(l -> l.startsWith("java_nio_direct_MemoryUsed")).findFirst()
                    .orElseThrow(() -> new AssertionError(grep(series, "java_nio")));
            String ours = series.stream().filter(l -> l.startsWith("java_nio_offpool_MemoryUsed")).findFirst()
                    .orElseThrow(() -> new AssertionError("offpool's pool has the JDK's shape:\n"
                            + grep(series, "java_nio")));
            assertEquals(direct.substring(direct.indexOf('{'), direct.indexOf('}') + 1),
                    ours.substring(ours.indexOf('{'), ours.indexOf('}') + 1), "the same labels as direct's");

            assertTrue(metrics.contains("# HELP dev_offpool_Allocator_ReservedBytes Bytes reserved from the page "
                    + "source"), "the description is the help text:\n" + grep(metrics.lines().toList(),
                    "HELP dev_offpool_Allocator_ReservedBytes"));
            assertTrue(series.stream().anyMatch(l -> l.startsWith("dev_offpool_Allocator_ReservedBytesLimit{")
                    && l.endsWith(" -1.0")), "no limit reads -1:\n" + grep(series, "ReservedBytesLimit"));
        } finally {
            app.destroy();
            app.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String scrapeUntil(int port, String wanted, Process app, Path out) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = "";
        while (System.nanoTime() < deadline && app.isAlive()) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                last = response.body();
                if (response.statusCode() == 200 && last.contains(wanted)) {
                    return last;
                }
            } catch (ConnectException | java.net.http.HttpTimeoutException notYet) {
                // the exporter's server is not up yet
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no " + wanted + " within 30 s (app alive: " + app.isAlive() + "); last scrape:\n"
                + last + "\napp output:\n" + Files.readString(out));
    }

    private static String grep(List<String> lines, String part) {
        return String.join("\n", lines.stream().filter(l -> l.contains(part)).limit(30).toList());
    }
}
