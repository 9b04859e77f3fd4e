package dev.offpool.jfr;

import dev.offpool.OffPool;
import dev.offpool.PoolStats;
import dev.offpool.SizeClassStats;
import dev.offpool.spi.RedirectSource;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 *   periodic events are added with {@link FlightRecorder#addPeriodicEvent} (and {@link EndOfChunkEvent}, which emits
 *   them again as each chunk ends); they stay registered.</li>
 *   <li>While a recording runs: the sampled-allocation hook checks whether its event is on
 *   ({@link AllocationSampler}); when no recording runs, that hook is switched to an empty method handle again.</li>
 * </ul>
 *
 * <p>The periodic events read every allocator alive in the JVM, which this class tracks through weak references:
 * tracking never keeps an allocator from being collected; and the agent's counters, once the agent hands them over
 * ({@link #trackRedirects}).
 */
public final class JfrSupport {
    /** Set to {@code false} to turn offpool's JFR support off entirely. */
    public static final String ENABLED_PROPERTY = "offpool.jfr";

    private static final boolean SUPPORTED = supported();
    private static final AtomicBoolean LISTENING = new AtomicBoolean();
    /** Allocators alive, for the periodic events; guarded by itself. */
    private static final Set<OffPool> ALLOCATORS = Collections.newSetFromMap(new WeakHashMap<>());
    private static volatile boolean registered;

    /** Guards the agent's source and the counts last emitted from it (JFR's periodic thread and the agent's). */
    private static final Object REDIRECTS_LOCK = new Object();
    /** The agent's counters, or null. */
    private static RedirectSource redirects;
    /** Its totals at the last period, to report each period's difference; null before the first. */
    private static RedirectSource.Totals lastTotals;
    /** Each call site's allocations at the last period. */
    private static final Map<String, Long> LAST_SITE_ALLOCATIONS = new HashMap<>();
    /** Each allocator's {@link PoolStats#poolsDiscarded()} at its last occupancy event; guarded by itself. */
    private static final Map<OffPool, Long> LAST_POOLS_DISCARDED = new WeakHashMap<>();

    private JfrSupport() {
    }

    private static boolean supported() {
        String setting = System.getProperty(ENABLED_PROPERTY);
        if ("false".equalsIgnoreCase(setting)) {
            return false;
        }
        if (setting != null && !setting.equalsIgnoreCase("true")) {
            throw new IllegalArgumentException("system property " + ENABLED_PROPERTY + " must be true or false, was \""
                    + setting + "\"");
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
        listen();
    }

    // Outside any lock of ours: the JDK calls recorderInitialized from here when JFR is already initialized.
    private static void listen() {
        if (LISTENING.compareAndSet(false, true)) {
            Listener.install();
        }
    }

    /**
     * A class of its own, so that the verifier loads {@link FlightRecorderListener} only when this is first used,
     * not when {@link JfrSupport} is: with JFR support off, no JFR class is loaded at all.
     */
    private static final class Listener implements FlightRecorderListener {
        static void install() {
            FlightRecorder.addListener(new Listener());
        }

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


    private static synchronized void register() {
        if (registered) {
            return;
        }
        // The event classes are named here only, so none is even loaded until JFR has initialized.
        List<Class<? extends Event>> eventClasses = List.of(ChunkMappedEvent.class, ChunkReleasedEvent.class,
                PagesDiscardedEvent.class, AllocationFailureEvent.class, InvalidFreeEvent.class,
                AllocationSampleEvent.class, SizeClassOccupancyEvent.class, AllocatorOccupancyEvent.class,
                AgentRedirectsEvent.class, AgentCallSiteEvent.class, EndOfChunkEvent.class);
        for (Class<? extends Event> eventClass : eventClasses) {
            FlightRecorder.register(eventClass);
        }
        FlightRecorder.addPeriodicEvent(SizeClassOccupancyEvent.class, JfrSupport::emitSizeClasses);
        FlightRecorder.addPeriodicEvent(AllocatorOccupancyEvent.class, JfrSupport::emitAllocators);
        FlightRecorder.addPeriodicEvent(AgentRedirectsEvent.class, JfrSupport::emitRedirects);
        FlightRecorder.addPeriodicEvent(AgentCallSiteEvent.class, JfrSupport::emitCallSites);
        FlightRecorder.addPeriodicEvent(EndOfChunkEvent.class, JfrSupport::emitAtChunkEnd);
        registered = true;
    }

    /**
     * Feeds the agent's periodic events from {@code source} until {@link #untrackRedirects}; a second source
     * replaces the first. Each event reports the counts since the previous one. Behind
     * {@link RedirectSource#publish}.
     *
     * @param source the agent's counters
     */
    public static void trackRedirects(RedirectSource source) {
        synchronized (REDIRECTS_LOCK) {
            redirects = source;
            lastTotals = null;
            LAST_SITE_ALLOCATIONS.clear();
        }
        if (SUPPORTED) {
            listen();
        }
    }

    /** {@return the source {@link #trackRedirects} was given last and not untracked since, or null} */
    public static RedirectSource publishedRedirects() {
        synchronized (REDIRECTS_LOCK) {
            return redirects;
        }
    }

    /**
     * Stops feeding the agent's events from {@code source}; does nothing if another source replaced it.
     *
     * @param source the source {@link #trackRedirects} was given
     */
    public static void untrackRedirects(RedirectSource source) {
        synchronized (REDIRECTS_LOCK) {
            if (redirects == source) {
                redirects = null;
            }
        }
    }


    /** The periodic events once more, as a chunk ends: see {@link EndOfChunkEvent}. */
    private static void emitAtChunkEnd() {
        emitSizeClasses();
        emitAllocators();
        emitRedirects();
        emitCallSites();
    }

    private static void emitRedirects() {
        synchronized (REDIRECTS_LOCK) {
            if (redirects == null) {
                return;
            }
            RedirectSource.Totals now = redirects.totals();
            RedirectSource.Totals before = lastTotals != null ? lastTotals
                    : RedirectSource.Totals.NONE;
            lastTotals = now;
            AgentRedirectsEvent e = new AgentRedirectsEvent();
            e.redirected = now.redirected() - before.redirected();
            e.fellBack = now.fellBack() - before.fellBack();
            e.fellBackOverLimit = now.fellBackOverLimit() - before.fellBackOverLimit();
            e.fellBackAllocatorFull = now.fellBackAllocatorFull() - before.fellBackAllocatorFull();
            e.fellBackAllocatorClosed = now.fellBackAllocatorClosed() - before.fellBackAllocatorClosed();
            e.fellBackInternalError = now.fellBackInternalError() - before.fellBackInternalError();
            e.outsideSizeRange = now.outsideSizeRange() - before.outsideSizeRange();
            e.freedByGc = now.freedByGc() - before.freedByGc();
            e.freedExplicitly = now.freedExplicitly() - before.freedExplicitly();
            e.releaseFailures = now.releaseFailures() - before.releaseFailures();
            e.liveBuffers = now.liveBuffers();
            e.liveBytes = now.liveBytes();
            e.limitBytes = now.limitBytes();
            e.commit();
        }
    }

    private static void emitCallSites() {
        synchronized (REDIRECTS_LOCK) {
            if (redirects == null) {
                return;
            }
            for (RedirectSource.Site site : redirects.sites()) {
                String name = site.site();
                long allocated = site.allocations() - LAST_SITE_ALLOCATIONS.getOrDefault(name, 0L);
                LAST_SITE_ALLOCATIONS.put(name, site.allocations());
                if (allocated == 0 && site.liveBytes() == 0) {
                    continue;
                }
                AgentCallSiteEvent e = new AgentCallSiteEvent();
                e.site = name;
                e.allocations = allocated;
                e.liveBuffers = site.liveBuffers();
                e.liveBytes = site.liveBytes();
                e.peakLiveBytes = site.peakLiveBytes();
                e.commit();
            }
        }
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
            // JFR prints Long.MIN_VALUE as N/A: no limit reads as none, not as 8.0 EB
            long limit = s.reservedBytesLimit();
            e.reservedBytesLimit = limit == Long.MAX_VALUE ? Long.MIN_VALUE : limit;
            e.residentBytesAtMost = s.residentBytesAtMost();
            e.arenas = s.arenasCurrent();
            e.bytesInArenas = s.bytesInArenas();
            e.bytesInAllocatedBlocks = s.bytesInAllocatedBlocks();
            e.bytesInCachedBlocks = s.bytesInCachedBlocks();
            e.bytesInAvailableBlocks = s.bytesInAvailableBlocks();
            e.bytesInUnusedPools = s.bytesInUnusedPools();
            e.bytesInDiscardedPools = s.bytesInDiscardedPools();
            e.bytesLostToQuantization = s.bytesLostToQuantization();
            synchronized (LAST_POOLS_DISCARDED) {
                Long before = LAST_POOLS_DISCARDED.put(pool, s.poolsDiscarded());
                e.poolsDiscarded = s.poolsDiscarded() - (before != null ? before : 0);
            }
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
