package dev.offpool.jfr;

import dev.offpool.OffPool;
import dev.offpool.spi.RedirectSource;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentEventsTest {
    @TempDir
    Path dir;

    /** Counters the test moves between JFR periods. */
    static final class MovingAgent implements RedirectSource {
        volatile Totals totals = Totals.NONE;
        volatile List<Site> sites = List.of();

        @Override
        public Totals totals() {
            return totals;
        }

        @Override
        public List<Site> sites() {
            return sites;
        }
    }

    @Test
    void agentEventsReportEachPeriodsCountsAndTheBusySites() throws Exception {
        OffPool.global(); // the first allocator installs the listener that registers the events
        MovingAgent agent = new MovingAgent();
        agent.totals = new RedirectSource.Totals(40, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 40, 40 * 1024, 1L << 30);
        agent.sites = List.of(new RedirectSource.Site("com.example.Codec", "decode(ByteBuffer)", 12, true, "churns", 40,
                40 * 1024, 40 * 1024, 40, 0),
                new RedirectSource.Site("com.example.Idle", "warmUp()", 7, true, "churns", 0, 0, 4096, 3, 0));
        List<RecordedEvent> events;
        try (AutoCloseable feed = RedirectSource.publish(agent);
             Recording recording = new Recording()) {
            recording.enable(EventNames.AGENT_REDIRECTS).withPeriod(Duration.ofMillis(100));
            recording.enable(EventNames.AGENT_CALL_SITE).withPeriod(Duration.ofMillis(100));
            recording.start();
            Recordings.await(recording, dir, "two periods", so -> redirectsIn(so).size() >= 2);
            agent.totals = new RedirectSource.Totals(50, 0, 0, 0, 0, 0, 2, 0, 8, 0, 0, 42, 42 * 1024, 1L << 30);
            Recordings.await(recording, dir, "a period with the new counts", so -> redirectsIn(so).stream()
                    .anyMatch(e -> e.getLong("freedByGc") > 0));
            Recordings.await(recording, dir, "a period after that", so -> redirectsIn(so).stream()
                    .dropWhile(e -> e.getLong("freedByGc") == 0).count() >= 2);
            events = Recordings.stopAndRead(recording, dir);
        }
        List<RecordedEvent> redirects = redirectsIn(events);
        assertTrue(redirects.size() >= 3, redirects.size() + " periods");
        assertEquals(40, redirects.getFirst().getLong("redirected"), "the first period counts from the start");
        assertEquals(2, redirects.getFirst().getLong("fellBack"));
        assertEquals(2, redirects.getFirst().getLong("fellBackInternalError"));
        assertEquals(50, redirects.stream().mapToLong(e -> e.getLong("redirected")).sum(),
                "per-period counts add up to the total");
        assertEquals(8, redirects.stream().mapToLong(e -> e.getLong("freedByGc")).sum());
        assertEquals(42 * 1024, redirects.getLast().getLong("liveBytes"), "live figures are the state at the end");
        assertEquals(1L << 30, redirects.getLast().getLong("limitBytes"));

        List<RecordedEvent> sites = events.stream()
                .filter(e -> e.getEventType().getName().equals(EventNames.AGENT_CALL_SITE)).toList();
        assertFalse(sites.isEmpty());
        List<RecordedEvent> codec = sites.stream()
                .filter(e -> e.getString("site").equals("com.example.Codec.decode(ByteBuffer):12")).toList();
        assertTrue(codec.size() >= 3, "a site holding live bytes is reported every period");
        assertEquals(40, codec.getFirst().getLong("allocations"), "the first period counts from the start");
        assertEquals(40, codec.stream().mapToLong(e -> e.getLong("allocations")).sum(), "no allocation since");
        assertEquals(40 * 1024, codec.getLast().getLong("liveBytes"));
        List<RecordedEvent> idle = sites.stream()
                .filter(e -> e.getString("site").equals("com.example.Idle.warmUp():7")).toList();
        assertEquals(1, idle.size(), "a site holding nothing is reported only for a period it allocated in");
        assertEquals(3, idle.getFirst().getLong("allocations"));
        assertEquals(4096, idle.getFirst().getLong("peakLiveBytes"));
    }

    private static List<RecordedEvent> redirectsIn(List<RecordedEvent> events) {
        return events.stream().filter(e -> e.getEventType().getName().equals(EventNames.AGENT_REDIRECTS))
                .sorted(java.util.Comparator.comparing(RecordedEvent::getStartTime)).toList();
    }
}
