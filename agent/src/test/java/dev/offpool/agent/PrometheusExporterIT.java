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
import java.util.function.Predicate;

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
        String metrics = scrapeAnAgentRun(config, text -> text.lines().anyMatch(l -> l.startsWith(
                "dev_offpool_Allocator_SizeClasses_blocksInUse{") && !l.endsWith(" 0.0")));
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
    }

    @Test
    void theDocumentedRulesGiveTypedSeriesAndOneRuleForEveryBufferPool() throws Exception {
        Path rules = Path.of(System.getProperty("offpool.test.jmxExporterRules"));
        String metrics = scrapeAnAgentRun(rules, text -> text.lines().anyMatch(l -> l.startsWith(
                "offpool_size_class_bytesinuse{") && !l.endsWith(" 0.0")));
        List<String> lines = metrics.lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(
                "offpool_agent_site_livebytes{site=\"com.example.bufferapps.ObservedApp.hold(int):")
                && l.endsWith("\"} 10000.0")), grep(lines, "offpool_agent_site"));
        assertTrue(lines.contains("# TYPE offpool_agent_redirected_total counter"), grep(lines, "redirected"));
        assertTrue(lines.contains("# TYPE offpool_size_class_bytesinuse gauge"), grep(lines, "size_class"));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("offpool_size_class_bytesinuse{allocator=\"global\","
                + "block_size=\"") && !l.endsWith(" 0.0")), grep(lines.stream().filter(l -> !l.endsWith(" 0.0"))
                .toList(), "size_class"));
        for (String pool : List.of("direct", "mapped", "offpool")) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("java_nio_buffer_pool_memoryused{pool=\"" + pool
                    + "\"}")), pool + " under the one rule:\n" + grep(lines, "java_nio_buffer_pool"));
        }
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("# TYPE offpool") && l.endsWith("untyped")),
                "every offpool series typed:\n" + grep(lines, "untyped"));
    }

    /**
     * Runs ObservedApp (ten 1000-byte buffers held) with the agent and the exporter; {@return the first scrape that
     * shows the app's blocks} The beans appear a second after start, the figures once the app has allocated.
     */
    private String scrapeAnAgentRun(Path config, Predicate<String> ready) throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String exporterOption = "-javaagent:" + EXPORTER + "=127.0.0.1:" + port + ":" + config;
        List<String> command = new ArrayList<>(ForkedJvm.app()
                .command("com.example.bufferapps.ObservedApp", "sleep", "60000"));
        command.add(command.indexOf("-cp"), exporterOption);       // after offpool's agent, as the docs show it
        Path out = dir.resolve("app-" + port + ".out");
        Process app = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            return scrapeUntil(port, ready, app, out);
        } finally {
            app.destroy();
            app.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String scrapeUntil(int port, Predicate<String> ready, Process app, Path out) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = "";
        while (System.nanoTime() < deadline && app.isAlive()) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                last = response.body();
                if (response.statusCode() == 200 && ready.test(last)) {
                    return last;
                }
            } catch (ConnectException | java.net.http.HttpTimeoutException notYet) {
                // the exporter's server is not up yet
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no scrape showed the app's blocks within 30 s (app alive: " + app.isAlive()
                + "); last scrape:\n"
                + last + "\napp output:\n" + Files.readString(out));
    }

    private static String grep(List<String> lines, String part) {
        return String.join("\n", lines.stream().filter(l -> l.contains(part)).limit(30).toList());
    }
}
