package dev.offpool.agent.redirect;

import dev.offpool.OffPool;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.spi.PageSourceException;
import dev.offpool.spi.RedirectSource;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Serves redirected {@code ByteBuffer.allocateDirect} calls from {@link OffPool#global()} and frees their blocks
 * exactly once: when the buffer dies (the GC path) or when the program frees it (the explicit path). Not API: the
 * public view is {@link dev.offpool.agent.Redirects}.
 *
 * <h2>A redirected buffer</h2>
 * A real direct buffer over zeroed pool memory, big-endian, position 0, limit = capacity = the request. A request of
 * at most {@code slabMaxBytes} is carved from the calling thread's slab ({@link SlabAllocator}, which has its own
 * release rules: a small buffer's memory goes back with its slab's). A larger one gets a block of its own: with
 * {@code bufferScope=region} (the default) it is {@code OffPool.global().allocate(capacity).asByteBuffer()}, bound
 * to the scope of the region its block lies in; with {@code bufferScope=global} it is a view of the block through a
 * global-scope segment ({@code allocateAddress}, then a slice of all memory), as unscoped as the JDK's own direct
 * buffers. agent/README.md, "Buffer scope", weighs the two. A {@link BlockRecord} (a phantom reference to that root
 * buffer) goes into the {@link BlockTable}; the root's identity is what an explicit free is checked against.
 *
 * <h2>Release of a block of its own, and why it is exactly once</h2>
 * <pre>
 *   allocate ──▶ table.add(record) ──┬── root and every view unreachable ─▶ GC enqueues record ─▶ table.remove(record)
 *                                    └── free(root) / invokeCleaner(root) ─────────────────────▶ table.removeRoot(...)
 *                                         whichever removes the record frees the block; the other finds nothing
 * </pre>
 * One daemon thread ({@code offpool-agent-release}) takes dead records from the reference queue and pushes them on a
 * lock-free stack; each allocation pops up to {@value #FREES_PER_ALLOCATION} of them and frees their blocks, so a
 * dead block goes back into the allocating thread's own cache, where its next allocation of that size finds it.
 * When the queue has been quiet for {@value #QUIET_MILLIS} ms the release thread frees what is left itself, so a
 * program that stops allocating still gets its blocks back. Every {@value #SWEEP_MILLIS} ms it also lets the
 * current slabs of threads that ended go ({@link SlabAllocator#sweep}) and sends the sites whose live buffers hold
 * sealed slabs of freed ones to the per-buffer path ({@link SlabAllocator#markPinningSites}).
 * <ul>
 *   <li>Why not free on the release thread: then every block crosses threads twice (freed into the release thread's
 *       cache, spilled to the pools, taken back by the allocating thread through them); a profile of a GC-freed loop
 *       had the allocating thread's cache refills as the largest cost.</li>
 *   <li>Why not poll the reference queue from allocating threads: {@link ReferenceQueue#poll()} takes the queue's
 *       monitor whenever the queue is not empty, which is right after a GC, while the JDK's reference handler
 *       enqueues under the same monitor; allocating threads blocked on it for 10 to 40 ms at a time in
 *       {@code MessageApp} (JFR {@code jdk.JavaMonitorEnter}). The stack costs one CAS per pop, no lock.</li>
 * </ul>
 * Each record is pushed once and popped once, so the stack cannot suffer the ABA problem. The explicit path clears
 * the record, so the GC never enqueues it.
 *
 * <h2>Why not {@link java.lang.ref.Cleaner}</h2>
 * {@code Cleaner.register} allocates a cleanable and links it into a list under a lock, and {@code clean()} unlinks
 * it under the lock again; a phantom reference is one allocation, kept reachable by the table that the explicit path
 * needs anyway. {@code ReleaseRegistrationBenchmark} (benchmarks module) measures both; see agent/README.md.
 *
 * <h2>One budget: the JDK's</h2>
 * Every redirected buffer reserves its capacity in the JDK's direct-memory accounting ({@link JdkDirectMemory})
 * before its memory is taken, and gives it back when its memory goes back, so redirected and JDK buffers together
 * stay within {@code -XX:MaxDirectMemorySize} (or its default) and show in the JDK's {@code direct} buffer pool. At
 * the limit an allocation frees every dead block known here, tries again, then does what the JDK does for its own
 * buffers ({@code Bits.reserveMemory}: wait for reference processing, {@code System.gc()} unless
 * {@code -XX:+DisableExplicitGC}, bounded retries, the JDK's {@code OutOfMemoryError}); meanwhile the release thread
 * frees each dead block the moment the GC finds it. A request that falls back to the JDK's path gives its
 * reservation back first: the JDK's path reserves for itself, so there is never a second budget.
 *
 * <h2>Per site: redirected or kept on the JDK's path</h2>
 * A site whose buffers live long gains nothing from a redirect; {@link SitePolicy} decides each site's mode at each
 * GC epoch from its buffers' lifetimes, unless the user forced it. A site on the JDK's path gets
 * {@code ByteBuffer.allocateDirect}'s own buffers, each with a phantom record (no table entry, no block) so that its
 * counters and lifetimes stay measured.
 *
 * <h2>Never break the host</h2>
 * A request outside {@code minBytes..maxBytes}, refused by the allocator, or failing in here for any reason goes to
 * the JDK's own {@code allocateDirect}, and is counted. Only a request at the limit waits, as the JDK's would.
 */
public final class Redirector {
    /** Dead records an allocation frees, at most: more than one, so a backlog left by a GC shrinks as it allocates. */
    private static final int FREES_PER_ALLOCATION = 2;
    /** How long the reference queue stays quiet before the release thread frees the remaining dead blocks itself. */
    private static final long QUIET_MILLIS = 20;
    /**
     * How often the release thread lets ended threads' current slabs go ({@link SlabAllocator#sweep}): often enough
     * that a slab waits no longer for it than for a collection, rarely enough to cost nothing (1,024 slots read).
     */
    static final long SWEEP_MILLIS = 100;
    /**
     * All memory, in the global scope: {@code bufferScope=global} buffers are views of it, so an access checks no
     * region scope, as with the JDK's own direct buffers. (A restricted method, once; the runtime needs native access
     * anyway.)
     */
    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** The site of the instrumented call of a pass-through helper under way on this thread, or 0. */
    private static final ThreadLocal<int[]> CALLER_SITE = ThreadLocal.withInitial(() -> new int[1]);

    /** True once a class of Netty's buffer package was loaded (for the report's note on Netty's allocators). */
    private static volatile boolean nettyLoaded;

    private static RedirectConfig startConfig; // written once by start(), before Active is initialized
    private static volatile boolean started;

    private static final class Active {
        static final Redirector INSTANCE = new Redirector(startConfig);
    }

    private final OffPool pool = OffPool.global();
    private final int minBytes;
    private final int maxBytes;
    private final boolean sites;
    /**
     * Why nothing is redirected, or null: the JDK's budget is out of reach ({@link JdkDirectMemory}), or the JDK was
     * asked for page-aligned direct buffers ({@code -Dsun.nio.PageAlignDirectMemory=true}), which pool blocks are
     * not.
     */
    private final String notRedirecting = !JdkDirectMemory.available() ? JdkDirectMemory.unavailableBecause()
            : pageAlignedDirectMemory()
            ? "-Dsun.nio.PageAlignDirectMemory=true asks for page-aligned direct buffers: the JDK's path serves them"
            : null;
    private final boolean budget = notRedirecting == null;
    private final boolean regionScope;
    private final boolean injectFault;
    /** Requests up to this are slab buffers; 0 when slabs are off (the option, or no way to tell roots from views). */
    private final int slabMaxBytes;
    /** Null when {@code slabMaxBytes} is 0. */
    private final SlabAllocator slabs;
    private final BlockTable table = new BlockTable();
    private final ReferenceQueue<ByteBuffer> queue = new ReferenceQueue<>();
    /** Top of the stack of dead records (linked through {@link BlockRecord#nextDead}), or null. */
    private final AtomicReference<BlockRecord> dead = new AtomicReference<>();
    /** Records of the JDK's buffers of sites kept on the JDK's path, held until the GC finds their buffers dead. */
    private final Set<BlockRecord> jdkRecords = ConcurrentHashMap.newKeySet();
    /** Threads waiting at the limit now: while any does, the release thread frees dead blocks at once. */
    private final AtomicInteger atLimit = new AtomicInteger();
    private final SitePolicy policy = new SitePolicy();
    /** Cleared by every collection, which ends a GC epoch ({@link SitePolicy}); re-armed when dequeued. */
    private Reference<ByteBuffer> epochSentinel;

    private final AtomicLong liveBytes = new AtomicLong();
    private final LongAdder redirected = new LongAdder();
    private final LongAdder outsideSizeRange = new LongAdder();
    private final LongAdder keptOnJdk = new LongAdder();
    private final LongAdder refusedAtLimit = new LongAdder();
    private final LongAdder allocatorFull = new LongAdder();
    private final LongAdder allocatorClosed = new LongAdder();
    private final LongAdder internalError = new LongAdder();
    private final LongAdder freedByGc = new LongAdder();
    private final LongAdder freedExplicitly = new LongAdder();
    private final LongAdder releaseFailures = new LongAdder();
    private volatile Throwable firstInternalError;

    private final RedirectConfig config;

    private Redirector(RedirectConfig config) {
        this.config = config;
        this.minBytes = config.minBytes();
        this.maxBytes = config.maxBytes();
        this.sites = config.sites();
        this.regionScope = config.regionScope();
        this.injectFault = config.injectFault();
        this.slabMaxBytes = config.slabMaxBytes() > 0 && BufferRoots.available() ? config.slabMaxBytes() : 0;
        this.slabs = slabMaxBytes == 0 ? null
                : new SlabAllocator(pool, sites, injectFault, liveBytes, this::noteReleaseFailure);
        this.epochSentinel = new WeakReference<>(ByteBuffer.allocate(0), queue);
        Thread.ofPlatform().daemon().name("offpool-agent-release").start(this::drainQueue);
    }

    /**
     * Starts the runtime with its configuration. Called once by the agent, before any class is instrumented.
     *
     * @param config the configuration
     * @return the running redirector
     * @throws IllegalStateException if it was started already (the agent was attached twice)
     */
    public static synchronized Redirector start(RedirectConfig config) {
        Objects.requireNonNull(config, "config");
        if (started) {
            throw new IllegalStateException("the offpool agent is running already; it cannot be started twice");
        }
        startConfig = config;
        Redirector redirector = Active.INSTANCE;
        started = true;
        ReportWriter.start(redirector, config);
        AgentObservability.start(redirector, config);
        return redirector;
    }

    /**
     * Notes that this thread calls a pass-through helper from {@code site}: the helper's next redirected
     * allocation on this thread is counted there.
     *
     * @param site the calling site's id
     */
    static void callerSite(int site) {
        CALLER_SITE.get()[0] = site;
    }

    /** Notes that Netty's buffer classes are in this JVM. Called by the agent's class-file filter. */
    public static void nettyLoaded() {
        nettyLoaded = true;
    }

    /** {@return true if a class of Netty's buffer package was loaded} */
    static boolean isNettyLoaded() {
        return nettyLoaded;
    }

    /** {@return true once {@link #start} has run} */
    public static boolean isStarted() {
        return started;
    }

    /** {@return the running redirector} Call only after {@link #start}; instrumented code cannot run before it. */
    public static Redirector active() {
        return Active.INSTANCE;
    }

    /**
     * Writes the report now, to {@code reportTo} (and the map, with {@code map=}), as a periodic report is written.
     *
     * @throws IllegalStateException if the agent has not started
     */
    public static void reportNow() {
        if (!started || !ReportWriter.writeNow()) {
            throw new IllegalStateException("offpool agent: report=now asks the running agent for its report, and"
                    + " no agent runs in this JVM; attach it first without report=now");
        }
    }

    /** {@return the configuration it was started with} */
    public RedirectConfig config() {
        return config;
    }

    /** {@return the bytes of the slabs not released yet, part of {@code stats().liveBytes()}} */
    public long slabBytes() {
        return slabs == null ? 0 : (long) slabs.liveSlabs() * Slab.SLAB_BYTES;
    }

    /** {@return the largest request served from slabs; 0 if slabs are off} */
    public int slabMaxBytes() {
        return slabMaxBytes;
    }

    // -----------------------------------------------------------------------------------------------------------
    // Allocation.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * Serves one redirected {@code allocateDirect(capacity)} call.
     *
     * @param capacity the request, as the caller passed it (the JDK's own path rejects negative ones)
     * @param site     the call site's id
     * @return a direct buffer of {@code capacity} bytes, from the pools or from the JDK
     * @throws IllegalArgumentException if {@code capacity} is negative (thrown by the JDK's own path)
     */
    public ByteBuffer allocate(int capacity, int site) {
        if (capacity < minBytes || capacity > maxBytes) {
            outsideSizeRange.increment();
            return ByteBuffer.allocateDirect(capacity);
        }
        CallSites.SiteCounters counters = CallSites.site(site);
        if (counters.passThrough) {
            int[] caller = CALLER_SITE.get();
            if (caller[0] > 0) {
                site = caller[0];
                counters = CallSites.site(site);
                caller[0] = 0;
            }
        }
        if (!budget) {
            if (counters.redirected) {
                // Said once per site; the policy does not run without the budget, so nothing moves it back.
                counters.reason = "kept on the JDK's path: " + notRedirecting;
                counters.redirected = false;
            }
            return keptOnJdk(capacity, site, counters);
        }
        if (!counters.redirected) {
            return keptOnJdk(capacity, site, counters);
        }
        // ---- hot path: free a dead block or two, reserve in the JDK's budget, take a block, register it ----
        // Measured cost over the pool's own allocate: see agent/README.md, "Costs".
        if (dead.get() != null) {
            freeDead(FREES_PER_ALLOCATION);
        }
        if (!JdkDirectMemory.tryReserve(capacity)) {
            reserveAtLimit(capacity); // as the JDK's allocateDirect would: may wait, may throw its OutOfMemoryError
        }
        ByteBuffer buffer = capacity <= slabMaxBytes && !slabs.prefersOwnBlocks(site) ? fromSlab(capacity, site)
                : redirect(capacity, site, counters);
        if (buffer == null) {
            // The JDK's path reserves for itself: give this reservation back first, so there is one budget.
            JdkDirectMemory.unreserve(1, capacity);
            if (sites) {
                counters.fellBack();
            }
            return ByteBuffer.allocateDirect(capacity);
        }
        return buffer;
    }

    /**
     * The JDK's limit is reached: frees every dead block known here, tries again, then reserves as the JDK reserves
     * for its own buffers, while the release thread frees each block the GC finds dead at once.
     *
     * @throws OutOfMemoryError the JDK's, if the limit still has no room after its retries
     */
    private void reserveAtLimit(int capacity) {
        atLimit.incrementAndGet();
        try {
            freeDead(Integer.MAX_VALUE);
            if (!JdkDirectMemory.tryReserve(capacity)) {
                JdkDirectMemory.reserve(capacity);
            }
        } catch (OutOfMemoryError e) {
            refusedAtLimit.increment();
            throw e;
        } finally {
            atLimit.decrementAndGet();
        }
    }

    /** A site on the JDK's path: the JDK's buffer, with a record so the site's counts and lifetimes stay known. */
    private ByteBuffer keptOnJdk(int capacity, int site, CallSites.SiteCounters counters) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(capacity);
        keptOnJdk.increment();
        if (sites) {
            jdkRecords.add(new BlockRecord(buffer, queue, 0, capacity, site));
            counters.allocatedTracked(capacity);
        }
        return buffer;
    }

    /** {@return a slab buffer, or null if no slab could be had (counted by reason)} */
    private ByteBuffer fromSlab(int capacity, int site) {
        try {
            return slabs.allocate(capacity, site);
        } catch (Throwable failure) {
            countFallback(failure);
            return null;
        }
    }

    /** {@return a pool-backed buffer, or null (counted by reason) if the block could not be had or registered} */
    private ByteBuffer redirect(int capacity, int site, CallSites.SiteCounters counters) {
        long address = 0;
        boolean registered = false;
        try {
            if (injectFault) {
                throw new IllegalStateException("offpool agent: injected fault (offpool.agentFault=allocate)");
            }
            MemorySegment segment;
            if (regionScope) {
                segment = pool.allocate(capacity);
                address = segment.address();
            } else {
                address = pool.allocateAddress(capacity);
                segment = EVERYTHING.asSlice(address, capacity);
            }
            ByteBuffer buffer = segment.asByteBuffer();
            table.add(new BlockRecord(buffer, queue, address, capacity, site));
            registered = true;
            liveBytes.addAndGet(capacity);
            redirected.increment();
            if (sites) {
                counters.allocatedTracked(capacity);
            }
            return buffer;
        } catch (Throwable failure) {
            if (address != 0 && !registered) {
                freeQuietly(address);
            }
            countFallback(failure);
            return null;
        }
    }

    private void countFallback(Throwable failure) {
        if (failure instanceof OutOfPoolMemoryException || failure instanceof PageSourceException) {
            allocatorFull.increment();
        } else if (pool.isClosed()) {
            allocatorClosed.increment();
        } else {
            if (firstInternalError == null) {
                firstInternalError = failure;
            }
            internalError.increment();
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Release.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * Frees a redirected buffer now, if {@code buffer} is a live redirected root buffer: its block goes back at once,
     * or, for a slab buffer, when every buffer of its slab is freed or dead.
     *
     * @param buffer any buffer
     * @return true if this call freed the buffer; false if {@code buffer} is not a redirected root buffer (a JDK
     *         buffer, a view of a redirected one) or was freed already
     * @throws NullPointerException if {@code buffer} is null
     */
    public boolean free(ByteBuffer buffer) {
        return freeRoot(buffer) == Freeing.FREED;
    }

    /**
     * What a redirected {@code Unsafe.invokeCleaner(buffer)} does before the JDK's own method: frees a live
     * redirected root, and does nothing for a slab buffer freed already (the JDK's second clean does nothing either,
     * and its method, which cannot know the buffer, would warn about {@code Unsafe} for nothing).
     *
     * @param buffer a direct buffer
     * @return true if the call is done; false if the JDK's method must take it (its own buffers, views, which it
     *         refuses, and blocks of their own freed already, which it finds without a cleaner)
     */
    public boolean clean(ByteBuffer buffer) {
        return freeRoot(buffer) != Freeing.REFUSED;
    }

    /** What {@link #freeRoot} did. */
    private enum Freeing {
        /** Freed by this call. */
        FREED,
        /** A slab buffer's root, freed before. */
        FREED_BEFORE,
        /** Nothing this agent may free: not direct, a view, not redirected, or a block of its own freed before. */
        REFUSED
    }

    private Freeing freeRoot(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            return Freeing.REFUSED;
        }
        if (slabs != null && buffer.capacity() <= slabMaxBytes) {
            SlabAllocator.Outcome outcome;
            try {
                outcome = slabs.free(buffer);
            } catch (RuntimeException e) {
                noteReleaseFailure(e);
                return Freeing.REFUSED;
            }
            switch (outcome) {
                case FREED -> {
                    return Freeing.FREED;
                }
                case NOT_LIVE -> {
                    return Freeing.FREED_BEFORE;
                }
                case VIEW, LIVE -> {
                    return Freeing.REFUSED;
                }
                case NOT_A_SLAB_BUFFER -> {
                    // a block of its own, or none of ours: the table knows
                }
            }
        }
        BlockRecord record;
        try {
            record = table.removeRoot(addressOf(buffer), buffer);
        } catch (RuntimeException e) {
            noteReleaseFailure(e);
            return Freeing.REFUSED;
        }
        if (record == null) {
            return Freeing.REFUSED;
        }
        record.clear();
        release(record, true);
        return Freeing.FREED;
    }

    /** {@return true if {@code buffer} is a live redirected root buffer} */
    public boolean isRedirected(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            return false;
        }
        if (slabs != null && buffer.capacity() <= slabMaxBytes) {
            SlabAllocator.Outcome outcome = slabs.check(buffer);
            if (outcome != SlabAllocator.Outcome.NOT_A_SLAB_BUFFER) {
                return outcome == SlabAllocator.Outcome.LIVE;
            }
        }
        return table.containsRoot(addressOf(buffer), buffer);
    }

    /** The buffer's base address (its index 0), from public API only. */
    private static long addressOf(ByteBuffer buffer) {
        return MemorySegment.ofBuffer(buffer).address() - buffer.position();
    }

    private void drainQueue() {
        long nextSweep = System.nanoTime();
        while (true) {
            try {
                Reference<? extends ByteBuffer> reference = queue.remove(QUIET_MILLIS);
                if (reference == epochSentinel) {
                    epochSentinel = new WeakReference<>(ByteBuffer.allocate(0), queue);
                    if (sites && budget) {
                        policy.epoch();
                    }
                } else if (reference instanceof BlockRecord record) {
                    if (record.address == 0) {
                        jdkBufferDied(record);
                    } else if (atLimit.get() > 0) {
                        releaseIfRegistered(record); // a thread waits at the limit: now, not at its next allocation
                    } else {
                        pushDead(record);
                    }
                }
                if (dead.get() != null && (reference == null || atLimit.get() > 0)) {
                    freeDead(Integer.MAX_VALUE);
                }
                if (slabs != null && System.nanoTime() - nextSweep >= 0) {
                    slabs.sweep();
                    slabs.markPinningSites(System.nanoTime() - SlabAllocator.PIN_NANOS);
                    nextSweep = System.nanoTime() + SWEEP_MILLIS * 1_000_000;
                }
            } catch (InterruptedException e) {
                // A daemon thread with nothing else to do: interruption is not a request to stop releasing.
                Thread.interrupted();
            } catch (Throwable t) {
                noteReleaseFailure(t);
            }
        }
    }

    private void pushDead(BlockRecord record) {
        BlockRecord top;
        do {
            top = dead.get();
            record.nextDead = top;
        } while (!dead.compareAndSet(top, record));
    }

    /** Pops up to {@code max} dead records and frees their blocks, on the calling thread. */
    private void freeDead(int max) {
        for (int i = 0; i < max; i++) {
            BlockRecord top = dead.get();
            if (top == null || !dead.compareAndSet(top, top.nextDead)) {
                return; // empty, or another thread took it: either way this allocation has done its share
            }
            top.nextDead = null;
            releaseIfRegistered(top);
        }
    }

    private void jdkBufferDied(BlockRecord record) {
        if (jdkRecords.remove(record)) {
            CallSites.site(record.site).freedTracked(record.capacity);
        }
    }

    private void releaseIfRegistered(BlockRecord record) {
        if (table.remove(record)) {
            release(record, false);
        }
    }

    private void release(BlockRecord record, boolean explicit) {
        freeQuietly(record.address);
        JdkDirectMemory.unreserve(1, record.capacity);
        liveBytes.addAndGet(-record.capacity);
        (explicit ? freedExplicitly : freedByGc).increment();
        if (sites) {
            CallSites.site(record.site).freedTracked(record.capacity);
        }
    }

    private void freeQuietly(long address) {
        try {
            pool.freeAddress(address);
        } catch (RuntimeException e) {
            // Only a bug in the agent could get here (the record was the block's one owner); it must not reach
            // the caller, whose buffer was valid.
            noteReleaseFailure(e);
        }
    }

    private void noteReleaseFailure(Throwable failure) {
        if (firstInternalError == null) {
            firstInternalError = failure;
        }
        releaseFailures.increment();
    }

    // -----------------------------------------------------------------------------------------------------------
    // Counters.
    // -----------------------------------------------------------------------------------------------------------

    /** {@return the counters now} Slab buffers are counted as {@link SlabAllocator} says. */
    public RedirectSource.Totals stats() {
        SlabAllocator.Totals small = slabs == null ? new SlabAllocator.Totals(0, 0, 0) : slabs.totals();
        long byGc = freedByGc.sum() + small.freedWithSlab();
        long explicit = freedExplicitly.sum() + small.freedExplicitly();
        long served = redirected.sum() + small.redirected();
        return new RedirectSource.Totals(served, keptOnJdk.sum(), outsideSizeRange.sum(), 0, allocatorFull.sum(),
                allocatorClosed.sum(), internalError.sum(), refusedAtLimit.sum(), byGc, explicit,
                releaseFailures.sum(), Math.max(0, served - byGc - explicit), liveBytes.get(),
                JdkDirectMemory.limitBytes());
    }

    /** {@return how many GC epochs the site policy has seen} */
    public long gcEpochs() {
        return policy.epochs();
    }

    /** {@return every call site that allocated, most live bytes first (then most allocations)} */
    public List<RedirectSource.Site> sites() {
        return CallSites.snapshot(slabs == null ? sink -> { } : slabs::pendingSites);
    }

    /**
     * {@return true if the JVM was started with {@code -Dsun.nio.PageAlignDirectMemory=true}} The JDK takes the
     * property out of the system properties at start-up (it keeps it in {@code jdk.internal.misc.VM}), so the
     * command line is where it can still be read.
     */
    private static boolean pageAlignedDirectMemory() {
        String value = null;
        for (String argument : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("-Dsun.nio.PageAlignDirectMemory=")) {
                value = argument.substring(argument.indexOf('=') + 1); // the last one wins, as for any -D
            }
        }
        return "true".equals(value);
    }

    /** {@return why nothing is redirected, or null if buffers are} */
    public String notRedirecting() {
        return notRedirecting;
    }

    /** {@return the first internal error seen, or null} For the report: a fallback should say why. */
    Throwable firstInternalError() {
        return firstInternalError;
    }
}
