package dev.offpool.examples;

import dev.offpool.OffPool;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Records a short run with the settings offpool ships ({@code offpool.jfc}), allocation sampling on, and prints the
 * offpool events it finds. Run it with
 * {@code mvn -q -Pdemo-api -pl examples -am verify -DskipTests -Ddemo.main=dev.offpool.examples.JfrExample}.
 */
public final class JfrExample {
    private JfrExample() {
    }

    /**
     * Records, allocates, dumps and reads the recording back.
     *
     * @param args unused
     * @throws Exception if the recording cannot be made or read
     */
    public static void main(String[] args) throws Exception {
        Path file = Files.createTempFile("offpool", ".jfr");
        // @start region="jfr"
        try (Reader jfc = new InputStreamReader(OffPool.class.getClassLoader()
                .getResourceAsStream("dev/offpool/jfr/offpool.jfc"), StandardCharsets.UTF_8);
             Recording recording = new Recording(Configuration.create(jfc))) {
            recording.enable("offpool.AllocationSample");   // off in the shipped settings: sampled stacks cost
            recording.start();
            try (OffPool pool = OffPool.builder().name("jfr-example").build()) {
                for (int i = 0; i < 100_000; i++) {
                    MemorySegment block = pool.allocate(64 + i % 4000);
                    pool.free(block);
                }
                try {
                    pool.freeAddress(0x1000);                // an invalid free: an offpool.InvalidFree event
                } catch (RuntimeException expected) {
                    // the event carries the caller's stack
                }
            }
            recording.stop();
            recording.dump(file);
        }
        // @end
        Map<String, Integer> counts = new TreeMap<>();
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            if (event.getEventType().getName().startsWith("offpool.")) {
                counts.merge(event.getEventType().getName(), 1, Integer::sum);
            }
        }
        counts.forEach((name, count) -> System.out.printf("%-32s %,d%n", name, count));
        Files.delete(file);
    }
}
