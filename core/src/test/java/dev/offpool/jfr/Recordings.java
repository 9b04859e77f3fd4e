package dev.offpool.jfr;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/** Recordings for the JFR tests: made from the shipped {@code offpool.jfc}, read back from a dump. */
final class Recordings {
    private Recordings() {
    }

    /** {@return the shipped settings file's text} */
    static String settingsFile() throws IOException {
        try (InputStream in = JfrSupport.class.getResourceAsStream("offpool.jfc")) {
            if (in == null) {
                throw new AssertionError("offpool.jfc is not on the class path next to JfrSupport");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** {@return a recording with the shipped settings exactly} */
    static Recording shippedRecording() throws IOException, ParseException {
        try (Reader reader = new InputStreamReader(JfrSupport.class.getResourceAsStream("offpool.jfc"),
                StandardCharsets.UTF_8)) {
            return new Recording(Configuration.create(reader));
        }
    }

    /**
     * {@return a recording with the shipped settings, the occupancy events every 100 ms, every page discard (no
     * threshold), and the allocation sample on or off}
     */
    static Recording offpoolRecording(boolean sampling) throws IOException, ParseException {
        Recording recording = shippedRecording();
        recording.enable(EventNames.PAGES_DISCARDED).withThreshold(Duration.ZERO);
        recording.enable(EventNames.SIZE_CLASS_OCCUPANCY).withPeriod(Duration.ofMillis(100));
        recording.enable(EventNames.ALLOCATOR_OCCUPANCY).withPeriod(Duration.ofMillis(100));
        if (sampling) {
            recording.enable(EventNames.ALLOCATION_SAMPLE).withStackTrace();
        }
        return recording;
    }

    /**
     * Stops {@code recording}, dumps it to a file in {@code dir} and {@return every event in it, oldest first} A file
     * holds events in the order thread buffers were flushed, not in time order.
     */
    static List<RecordedEvent> stopAndRead(Recording recording, Path dir) throws IOException {
        recording.stop();
        Path file = Files.createTempFile(dir, "offpool", ".jfr");
        recording.dump(file);
        List<RecordedEvent> events = new ArrayList<>(RecordingFile.readAllEvents(file));
        events.sort(Comparator.comparing(RecordedEvent::getStartTime));
        return events;
    }

    /**
     * Waits until the events recorded so far satisfy {@code condition}, checking a dump of the running recording
     * every 100 ms for up to 30 s: periodic events come when JFR's periodic thread gets round to them, which on a
     * loaded machine can be well after their period.
     *
     * @throws AssertionError if they never do
     */
    static void await(Recording recording, Path dir, String what, Predicate<List<RecordedEvent>> condition)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Path file = Files.createTempFile(dir, "offpool-so-far", ".jfr");
            recording.dump(file);
            List<RecordedEvent> events = RecordingFile.readAllEvents(file);
            Files.delete(file);
            if (condition.test(events)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 30 s for " + what + "; " + events.size() + " events recorded");
            }
            Thread.sleep(100);
        }
    }

    /** {@return the events named {@code name} whose allocator field is {@code allocator}} */
    static List<RecordedEvent> named(List<RecordedEvent> events, String name, String allocator) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name))
                .filter(e -> allocator.equals(e.getString("allocator"))).toList();
    }

    /** {@return true if the event's stack trace passes through {@code method} of {@code type}} */
    static boolean calledFrom(RecordedEvent event, Class<?> type, String method) {
        if (event.getStackTrace() == null) {
            return false;
        }
        for (RecordedFrame frame : event.getStackTrace().getFrames()) {
            if (frame.getMethod().getType().getName().equals(type.getName())
                    && frame.getMethod().getName().equals(method)) {
                return true;
            }
        }
        return false;
    }
}
