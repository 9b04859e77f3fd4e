package dev.offpool.jfr;

import jdk.jfr.EventType;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The documented command line, in a JVM of its own: JFR started by {@code -XX:StartFlightRecording} before offpool
 * is loaded, with the shipped {@code offpool.jfc}; the recording read back by {@link RecordingFile} and by the
 * toolchain's {@code jfr print}; and the two ways offpool keeps out of JFR's way.
 */
class JfrCommandLineTest {
    @TempDir
    Path dir;

    private Path settings() throws IOException {
        Path file = dir.resolve("offpool.jfc");
        Files.writeString(file, Recordings.settingsFile());
        return file;
    }

    /** Runs {@link RecordedApp} in a new JVM; {@return its output}, after checking it exited 0. */
    private String runApp(List<String> jvmOptions, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                RecordedApp.class.getName()));
        command.addAll(List.of(args));
        return run(command);
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        assertEquals(0, process.exitValue(), command + " failed:\n" + output);
        return output;
    }

    private Path recordApp(String... extraOptions) throws Exception {
        Path recording = dir.resolve("app.jfr");
        StringBuilder option = new StringBuilder("-XX:StartFlightRecording:settings=default,settings=")
                .append(settings()).append(",filename=").append(recording);
        List<String> options = new ArrayList<>();
        for (String extra : extraOptions) {
            if (extra.startsWith("-D")) {
                options.add(extra);
            } else {
                option.append(',').append(extra);
            }
        }
        options.addFirst(option.toString());
        runApp(options);
        return recording;
    }

    @Test
    void shippedSettingsRecordAnApplicationFromTheCommandLine() throws Exception {
        Path recording = recordApp("offpool-allocation-sampling=true");
        List<RecordedEvent> events = RecordingFile.readAllEvents(recording);
        assertFalse(Recordings.named(events, EventNames.CHUNK_MAPPED, "app").isEmpty(),
                "events registered although JFR started before offpool was loaded");
        assertEquals(1, Recordings.named(events, EventNames.INVALID_FREE, "app").size());
        List<RecordedEvent> samples = Recordings.named(events, EventNames.ALLOCATION_SAMPLE, "app");
        assertFalse(samples.isEmpty(), "the offpool-allocation-sampling control turned the sample on");
        assertTrue(Recordings.calledFrom(samples.getFirst(), RecordedApp.class, "main"));
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("jdk.JVMInformation")),
                "settings=default still records the JDK's own events beside offpool's");
    }

    @Test
    void jfrPrintShowsOffpoolEventsAndTheirFields() throws Exception {
        Path recording = recordApp();
        String printed = run(List.of(Path.of(System.getProperty("java.home"), "bin", "jfr").toString(), "print",
                "--events", "offpool.*", recording.toString()));
        assertTrue(printed.contains("offpool.ChunkMapped {"), printed);
        assertTrue(printed.contains("allocator = \"app\""), printed);
        assertTrue(printed.contains("kind = \"arena\""), printed);
        assertTrue(printed.contains("offpool.InvalidFree {"), printed);
        assertTrue(printed.contains("operation = \"free\""), printed);
        assertTrue(printed.contains("problem = \"double free of 0x"), printed);
        assertTrue(printed.contains("dev.offpool.jfr.RecordedApp.main(String[])"), "stack traces print: " + printed);
        assertFalse(printed.contains("jdk.JVMInformation"), "the filter keeps only offpool's events");
        assertFalse(printed.contains("offpool.AllocationSample"), "the sample is off by default");
    }

    @Test
    void propertyTurnsJfrSupportOffEntirely() throws Exception {
        Path recording = recordApp("-Doffpool.jfr=false", "offpool-allocation-sampling=true");
        try (RecordingFile file = new RecordingFile(recording)) {
            for (EventType type : file.readEventTypes()) {
                assertFalse(type.getName().startsWith("offpool."), "registered anyway: " + type.getName());
            }
        }
        assertTrue(RecordingFile.readAllEvents(recording).stream()
                .noneMatch(e -> e.getEventType().getName().startsWith("offpool.")));
    }

    @Test
    void withoutARecordingNoEventClassIsLoadedAndWithJfrOffNoJfrClassAtAll() throws Exception {
        String noRecording = runApp(List.of("-Xlog:class+load=info"));
        assertTrue(noRecording.contains("rejected: double free"), "the app ran its double free:\n" + noRecording);
        assertTrue(noRecording.contains("dev.offpool.jfr.JfrSupport "), "offpool's JFR support was loaded");
        assertFalse(noRecording.matches("(?s).*dev\\.offpool\\.jfr\\.\\w+Event .*"),
                "an event class was loaded though no recording exists");

        String off = runApp(List.of("-Doffpool.jfr=false", "-Xlog:class+load=info"));
        assertTrue(off.contains("rejected: double free"), off);
        assertFalse(off.matches("(?s).*\\bjdk\\.jfr\\.\\w.*"), "a JFR class was loaded with -Doffpool.jfr=false");
    }

    @Test
    void eventsAreRegisteredOnlyOnceARecordingExists() throws Exception {
        String output = runApp(List.of(), "lazy");
        assertTrue(output.contains("after allocating: jfr initialized=false"),
                "allocating must not start JFR:\n" + output);
        assertTrue(output.contains("after new Recording(): offpool events registered=true"), output);
    }
}
