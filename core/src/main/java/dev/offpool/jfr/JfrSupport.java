package dev.offpool.jfr;

import dev.offpool.OffPool;
import dev.offpool.PoolStats;
import dev.offpool.SizeClassStats;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Lazy registration of offpool's JFR events: nothing is registered with JFR until a recording exists in this JVM.
 *
 * <h2>What each stage costs</h2>
 * <ul>
 *   <li>JFR support off ({@code -Doffpool.jfr=false}, or a JVM without JFR): nothing at all; no JFR class is
 *   loaded by offpool.</li>
 *   <li>No recording ever made: the first allocator adds one {@link FlightRecorderListener} (it stays registered
 *   with the JDK for the JVM's life, so it keeps offpool's class loader reachable; an application that must unload
 *   offpool sets {@code -Doffpool.jfr=false}). No event class is registered, so no event metadata exists, and every
 *   hook returns after one volatile read.</li>
 *   <li>Once JFR initializes (the first {@link Recording} is created, or the JVM started with
 *   {@code -XX:StartFlightRecording}): every event class is registered with {@link FlightRecorder#register} and the
 *   two periodic events are added with {@link FlightRecorder#addPeriodicEvent}; they stay registered.</li>
 *   <li>While a recording runs: the sampled-allocation hook checks whether its event is on
 *   ({@link AllocationSampler}); when no recording runs, that hook is switched to an empty method handle again.</li>
 * </ul>
 *
 * <p>The periodic events read every allocator alive in the JVM, which this class tracks through weak references:
 * tracking never keeps an allocator from being collected.
 */
public final class JfrSupport {
    /** Set to {@code false} to turn offpool's JFR support off entirely. */
    public static final String ENABLED_PROPERTY = "offpool.jfr";

    private static final boolean SUPPORTED = supported();
    private static final AtomicBoolean LISTENING = new AtomicBoolean();
    /** Allocators alive, for the periodic events; guarded by itself. */
    private static final Set<OffPool> ALLOCATORS = Collections.newSetFromMap(new WeakHashMap<>());
    private static volatile boolean registered;

    private JfrSupport() {
    }

    private static boolean supported() {
        if ("false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY))) {
            return false;
        }
        try {
            return FlightRecorder.isAvailable();
        } catch (LinkageError noJfrModule) { // a runtime image built without jdk.jfr
            return false;
        }
    }

    /** {@return true if offpool's JFR support is on: the property does not turn it off and the JVM has JFR} */
    public static boolean isSupported() {
        return SUPPORTED;
    }

    /** {@return true once offpool's event classes are registered with JFR} The hooks' one check. */
    static boolean isRegistered() {
        return registered;
    }

    /**
     * Includes {@code pool} in the periodic events while it is alive, and installs the listener that registers the
     * events when JFR initializes; does nothing when JFR support is off.
     *
     * @param pool a new allocator
     */
    public static void track(OffPool pool) {
        if (!SUPPORTED) {
            return;
        }
        synchronized (ALLOCATORS) {
            ALLOCATORS.add(pool);
        }
        // Outside any lock of ours: the JDK calls recorderInitialized from here when JFR is already initialized.
        if (LISTENING.compareAndSet(false, true)) {
            FlightRecorder.addListener(new Listener());
        }
    }

    private static final class Listener implements FlightRecorderListener {
        @Override
        public void recorderInitialized(FlightRecorder recorder) {
            register();
            AllocationSampler.refresh();
        }

        @Override
        public void recordingStateChanged(Recording recording) {
            AllocationSampler.refresh();
        }
    }

    private static final List<Class<? extends Event>> EVENT_CLASSES = List.of(ChunkMappedEvent.class,
            ChunkReleasedEvent.class, PagesDiscardedEvent.class, AllocationFailureEvent.class, InvalidFreeEvent.class,
            AllocationSampleEvent.class, SizeClassOccupancyEvent.class, AllocatorOccupancyEvent.class);

    private static synchronized void register() {
        if (registered) {
            return;
        }
        for (Class<? extends Event> eventClass : EVENT_CLASSES) {
            FlightRecorder.register(eventClass);
        }
        FlightRecorder.addPeriodicEvent(SizeClassOccupancyEvent.class, JfrSupport::emitSizeClasses);
        FlightRecorder.addPeriodicEvent(AllocatorOccupancyEvent.class, JfrSupport::emitAllocators);
        registered = true;
    }

    /** {@return true if a recording is running now} Called only after JFR has initialized. */
    static boolean anyRecordingRunning() {
        for (Recording r : FlightRecorder.getFlightRecorder().getRecordings()) {
            if (r.getState() == RecordingState.RUNNING) {
                return true;
            }
        }
        return false;
    }

    private static List<OffPool> openAllocators() {
        List<OffPool> open = new ArrayList<>();
        synchronized (ALLOCATORS) {
            for (OffPool pool : ALLOCATORS) {
                if (!pool.isClosed()) {
                    open.add(pool);
                }
            }
        }
        return open;
    }

    // A snapshot of an allocator closed since openAllocators() fails: it is skipped.
    private static PoolStats statsOrNull(OffPool pool) {
        try {
            return pool.stats();
        } catch (IllegalStateException closedMeanwhile) {
            return null;
        }
    }

    private static void emitSizeClasses() {
        for (OffPool pool : openAllocators()) {
            PoolStats stats = statsOrNull(pool);
            if (stats == null) {
                continue;
            }
            for (SizeClassStats row : stats.sizeClasses()) {
                if (row.pools() == 0 && row.blocksCached() == 0) {
                    continue;
                }
                SizeClassOccupancyEvent e = new SizeClassOccupancyEvent();
                e.allocator = pool.name();
                e.sizeClass = row.sizeClass();
                e.blockSize = row.blockSizeBytes();
                e.poolSize = row.poolSizeBytes();
                e.pools = row.pools();
                e.blocksInUse = row.blocksInUse();
                e.blocksCached = row.blocksCached();
                e.blocksAvailable = row.blocksAvailable();
                e.bytesInUse = row.blocksInUse() * row.blockSizeBytes();
                e.bytesCached = row.blocksCached() * row.blockSizeBytes();
                e.bytesAvailable = row.blocksAvailable() * row.blockSizeBytes();
                e.commit();
            }
        }
    }

    private static void emitAllocators() {
        for (OffPool pool : openAllocators()) {
            PoolStats s = statsOrNull(pool);
            if (s == null) {
                continue;
            }
            AllocatorOccupancyEvent e = new AllocatorOccupancyEvent();
            e.allocator = pool.name();
            e.pageSource = s.pageSource();
            e.bytesInUse = s.bytesInAllocatedBlocks() + s.large().bytesInLiveBlocks() + s.huge().bytesMapped();
            e.reservedBytes = s.reservedBytes();
            e.reservedBytesLimit = s.reservedBytesLimit();
            e.residentBytesAtMost = s.residentBytesAtMost();
            e.arenas = s.arenasCurrent();
            e.bytesInArenas = s.bytesInArenas();
            e.bytesInAllocatedBlocks = s.bytesInAllocatedBlocks();
            e.bytesInCachedBlocks = s.bytesInCachedBlocks();
            e.bytesInAvailableBlocks = s.bytesInAvailableBlocks();
            e.bytesInUnusedPools = s.bytesInUnusedPools();
            e.bytesInDiscardedPools = s.bytesInDiscardedPools();
            e.bytesLostToQuantization = s.bytesLostToQuantization();
            e.largeChunks = s.large().chunksCurrent();
            e.largeLiveBytes = s.large().bytesInLiveBlocks();
            e.largeFreeBytes = s.large().bytesInFreeBlocks();
            e.largeFragmentation = s.large().fragmentation();
            e.hugeBlocks = s.huge().blocks();
            e.hugeMappedBytes = s.huge().bytesMapped();
            e.heapMetadataBytes = s.heapMetadataBytes();
            e.commit();
        }
    }
}
