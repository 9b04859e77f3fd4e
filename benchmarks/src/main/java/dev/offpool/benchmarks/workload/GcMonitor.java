package dev.offpool.benchmarks.workload;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts the collections of this JVM from the {@link GarbageCollectorMXBean} notifications: how many, their pause
 * time (total and longest), and how many a {@code System.gc()} call caused (cause {@code "System.gc()"}, which is how
 * {@code ByteBuffer.allocateDirect} asks for a collection when its direct-memory limit is reached).
 *
 * <p>With G1 (the default) every notification is a stop-the-world pause: young and mixed collections, full
 * collections, and since JDK 20 the remark and cleanup pauses of a concurrent cycle ("G1 Concurrent GC"); the
 * concurrent work itself is not counted. The GC's duration is reported in whole milliseconds.
 */
final class GcMonitor implements NotificationListener, AutoCloseable {
    /** The cause the JVM gives a collection that {@code System.gc()} requested. */
    static final String SYSTEM_GC_CAUSE = "System.gc()";

    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private long collections;
    private long pauseMillis;
    private long maxPauseMillis;
    private long systemGcs;

    /** Starts listening to every collector of this JVM. */
    GcMonitor() {
        for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (bean instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(this, null, null);
                emitters.add(emitter);
            }
        }
    }

    @Override
    public void handleNotification(Notification notification, Object handback) {
        if (!notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
            return;
        }
        GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        long millis = info.getGcInfo().getDuration();
        synchronized (this) {
            collections++;
            pauseMillis += millis;
            maxPauseMillis = Math.max(maxPauseMillis, millis);
            if (SYSTEM_GC_CAUSE.equals(info.getGcCause())) {
                systemGcs++;
            }
        }
    }

    /** {@return the counts so far} */
    synchronized Counts counts() {
        return new Counts(collections, pauseMillis, maxPauseMillis, systemGcs);
    }

    @Override
    public void close() {
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(this);
            } catch (ListenerNotFoundException e) {
                throw new IllegalStateException("GC listener vanished", e);
            }
        }
        emitters.clear();
    }

    /**
     * Collections so far.
     *
     * @param collections    collections (pauses) seen
     * @param pauseMillis    their total duration
     * @param maxPauseMillis the longest
     * @param systemGcs      those {@code System.gc()} caused
     */
    record Counts(long collections, long pauseMillis, long maxPauseMillis, long systemGcs) {
    }
}
