package dev.offpool.agent;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent in core's observability: its JMX beans, its JFR events, and the occupancy map it writes. */
class ObservabilityIT {
    private static final String APP = "com.example.bufferapps.ObservedApp";

    @TempDir
    Path dir;

    @Test
    void beansOfTheGlobalAllocatorAndTheAgentAppearInThePlatformServer() {
        ForkedJvm.app().run(APP, "jmx").assertChecksPass();
    }

    @Test
    void jmxFalseRegistersNoBean() {
        ForkedJvm.app().agentOptions("jmx=false").run(APP, "nojmx").assertChecksPass();
    }

    @Test
    void aRecordingHoldsTheAgentsRedirectsAndCallSites() throws Exception {
        Path settings = dir.resolve("offpool.jfc");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("dev/offpool/jfr/offpool.jfc")) {
            assertNotNull(in, "core's offpool.jfc is on the test class path");
            Files.copy(in, settings);
        }
        Path recording = dir.resolve("agent.jfr");
        ForkedJvm.app().jvmOption("-XX:StartFlightRecording:settings=" + settings + ",offpool-period=100ms,filename="
                + recording).run(APP, "sleep", "1500").assertChecksPass();
        List<RecordedEvent> events = RecordingFile.readAllEvents(recording);
        List<RecordedEvent> redirects = named(events, "offpool.AgentRedirects");
        assertFalse(redirects.isEmpty(), "no offpool.AgentRedirects in " + events.size() + " events");
        assertEquals(10, redirects.stream().mapToLong(e -> e.getLong("redirected")).sum(),
                "the periods' counts add up to the 10 buffers");
        assertTrue(redirects.stream().anyMatch(e -> e.getLong("liveBytes") == 10_000));
        List<RecordedEvent> sites = named(events, "offpool.AgentCallSite");
        RecordedEvent site = sites.stream().filter(e -> e.getString("site")
                .startsWith("com.example.bufferapps.ObservedApp.hold(int):")).findFirst()
                .orElseThrow(() -> new AssertionError("the call site is missing from " + sites));
        assertEquals(10_000, site.getLong("liveBytes"));
        assertTrue(named(events, "offpool.ChunkMapped").stream()
                .anyMatch(e -> e.getString("allocator").equals("global")), "core's own events come too");
    }

    @Test
    void theAllocationSampleThrottleHoldsUnderTheAgent() throws Exception {
        Path settings = settingsFromTheAgentJar();
        Path recording = dir.resolve("throttled.jfr");
        // slabMaxBytes=0: every buffer is an allocation of its own from the pools, each offered to the sample
        ForkedJvm.Result run = ForkedJvm.app().agentOptions("slabMaxBytes=0")
                .jvmOption("-XX:StartFlightRecording:settings=" + settings
                + ",offpool-allocation-sampling=true,offpool-allocation-rate=10/s,filename=" + recording)
                .run("com.example.bufferapps.ChurnApp", "3000").assertChecksPass();
        long allocations = Long.parseLong(run.stdout().lines().filter(l -> l.startsWith("VALUE allocations "))
                .findFirst().orElseThrow(() -> new AssertionError(run.toString())).substring(18).strip());
        assertTrue(allocations > 10_000, "the app allocated enough to test a throttle: " + allocations);
        List<RecordedEvent> samples = named(RecordingFile.readAllEvents(recording), "offpool.AllocationSample");
        assertTrue(samples.size() <= 60, samples.size() + " samples of " + allocations
                + " allocations in 3 s at 10/s");
        assertTrue(samples.size() >= 10, "sampling is on: " + samples.size() + " samples");
        assertTrue(samples.stream().anyMatch(e -> e.getLong("requestedBytes") == 256
                && e.getStackTrace().getFrames().stream().anyMatch(f -> f.getMethod().getType().getName()
                .equals("com.example.bufferapps.ChurnApp"))), "the samples are the app's redirected buffers");
    }

    @Test
    void jcmdStartsARecordingWithTwoSettingsOptionsAndItsThrottleHolds() throws Exception {
        Path settings = settingsFromTheAgentJar().toAbsolutePath();
        List<String> command = ForkedJvm.app().agentOptions("slabMaxBytes=0")
                .command("com.example.bufferapps.ChurnApp", "20000");
        Process app = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("churn.out").toFile()).start();
        try {
            String pid = Long.toString(app.pid());
            String comma = jcmd(pid, "JFR.start", "name=comma", "settings=default," + settings);
            assertTrue(comma.contains("Could not find file"), "the command line's comma form fails here:\n" + comma);
            String started = jcmd(pid, "JFR.start", "name=offpool", "settings=default", "settings=" + settings,
                    "offpool-allocation-sampling=true", "offpool-allocation-rate=10/s");
            assertTrue(started.contains("Started recording"), started);
            long from = System.nanoTime();
            Thread.sleep(3000);
            Path recording = dir.resolve("jcmd.jfr");
            String dumped = jcmd(pid, "JFR.dump", "name=offpool", "filename=" + recording);
            double seconds = (System.nanoTime() - from) / 1e9;
            assertTrue(dumped.contains("Dumped recording"), dumped);
            List<RecordedEvent> events = RecordingFile.readAllEvents(recording);
            long samples = named(events, "offpool.AllocationSample").size();
            assertTrue(samples >= 10 && samples <= 10 * (seconds + 2),
                    samples + " samples in " + seconds + " s at 10/s, started by jcmd");
            assertFalse(named(events, "offpool.AllocatorOccupancy").isEmpty(),
                    "the dump ended a chunk, so the periodic events are in though their 5 s period has not passed");
        } finally {
            app.destroy();
            app.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** Runs the toolchain's {@code jcmd} at {@code pid}, retrying while the JVM is not attachable yet. */
    private static String jcmd(String pid, String... arguments) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), pid));
        command.addAll(List.of(arguments));
        String output = "";
        for (int attempt = 0; attempt < 20; attempt++) {
            Process jcmd = new ProcessBuilder(command).redirectErrorStream(true).start();
            output = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            jcmd.waitFor();
            if (!output.contains("AttachNotSupportedException") && !output.contains("not found")) {
                return output;
            }
            Thread.sleep(250);
        }
        return output;
    }

    @Test
    void theAgentJarCarriesTheJfrSettingsAtItsTopLevel() throws Exception {
        String fromJar = Files.readString(settingsFromTheAgentJar());
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("dev/offpool/jfr/offpool.jfc")) {
            assertEquals(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), fromJar,
                    "the same file as core's");
        }
    }

    /** {@return {@code offpool.jfc} taken from the top level of the agent jar, as the docs tell a user to} */
    private Path settingsFromTheAgentJar() throws Exception {
        Path settings = dir.resolve("offpool.jfc");
        try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(ForkedJvm.AGENT_JAR.toFile())) {
            java.util.zip.ZipEntry entry = jar.getEntry("offpool.jfc");
            assertNotNull(entry, "offpool.jfc at the top level of " + ForkedJvm.AGENT_JAR);
            try (InputStream in = jar.getInputStream(entry)) {
                Files.copy(in, settings, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return settings;
    }

    @Test
    void mapOptionWritesTheGlobalAllocatorsOccupancyMapAtExit() throws Exception {
        Path map = dir.resolve("offpool-map.html");
        ForkedJvm.app().agentOptions("map=" + map).run(APP, "sleep", "0").assertChecksPass();
        assertTrue(Files.exists(map), "no map written at exit");
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document page = factory.newDocumentBuilder().parse(map.toFile());
        assertTrue(page.getDocumentElement().getTextContent().contains("offpool occupancy map: global"));
        NodeList cells = page.getElementsByTagNameNS("http://www.w3.org/2000/svg", "g");
        long pools = 0;
        for (int i = 0; i < cells.getLength(); i++) {
            pools += ((Element) cells.item(i)).getAttribute("class").equals("pool") ? 1 : 0;
        }
        assertTrue(pools > 0, "the map shows the pools holding the app's buffers");
        assertFalse(Files.exists(dir.resolve("offpool-map.html.partial")), "the partial file was moved into place");
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }
}
