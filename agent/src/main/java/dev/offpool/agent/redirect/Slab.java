package dev.offpool.agent.redirect;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.function.IntConsumer;

/**
 * One slab: a {@value #SLAB_BYTES}-byte pool block that small redirected buffers are carved from, one after the
 * other, and that goes back to the pools as a whole. {@link SlabAllocator} owns the slabs; this class is one slab's
 * bookkeeping, with the rules that make its release happen exactly once.
 *
 * <pre>
 *   base                                                                    base + SLAB_BYTES
 *   | buf 0 | buf 1 |  buf 2  | ... | buf n-1 |  (carved by the owner, 16-aligned)  | tail  |
 *   states[offset / 16]: LIVE (site slot + 1) at every buffer's first granule, FREED (| 0x80) once freed, else 0
 * </pre>
 *
 * <h2>States of a slab</h2>
 * <pre>
 *   state     | who moves it                   | to
 *   ----------+--------------------------------+---------------------------------------------------------------
 *   open      | its owner (a platform thread,  | sealed: full, or its site table is full (the owner takes a
 *             | or a virtual-thread stripe     |   new slab)
 *             | under its lock) carves buffers | released: the owner thread ended and every buffer, view and
 *             |                                |   segment of it is unreachable (the JDK's cleaner thread)
 *   sealed    | nobody carves any more         | released: every buffer freed explicitly (the sealer or the last
 *             |                                |   freer), or all unreachable (the JDK's cleaner thread)
 *   released  | its block is back in the pools | (final)
 * </pre>
 * The move to released is one compare-and-set of {@code released}: of the GC's cleanup, the sealer and the last
 * freer, exactly one returns the block. The GC path can run only when nothing reaches the slab's scope, so no free
 * of one of its buffers can be under way then; the explicit path runs only once every buffer is freed, and a buffer
 * is freed once ({@link #markFreed} is a compare-and-set of its state byte).
 *
 * <h2>Who writes what</h2>
 * The owner writes {@code top}, {@code allocated}, the state bytes of new buffers and the site table with plain
 * stores: the allocation path has no atomic. Another thread reads them only after a happens-before edge: a freer
 * got the buffer from the owner (so it sees the buffer's state byte), and the sealer's {@code sealedCount} and
 * {@code published} are volatile writes after the plain ones. A slab whose owner thread ended unsealed is
 * released by the cleaner thread after a garbage collection found it unreachable; that it sees the owner's last
 * counts rests on the collection's safepoint, which orders the ended thread's stores before it (the counts only
 * feed statistics: the block is returned whatever they say). An explicit free costs three atomics: the state
 * byte's compare-and-set, {@code freed}, and its site slot's freed word (none without site accounting).
 *
 * <h2>Counting</h2>
 * A slab's buffers reach the shared counters in two steps: its allocations (per site, and in all) when it is
 * sealed ({@link #publish}), its frees when it is released, all of them, as freed explicitly ({@code freed}) or
 * by the GC (the rest). In between, readers of the counters add what the slab holds ({@link #pending}), so
 * counts move at once however the slab goes.
 *
 * <p>The slab is a weak reference to its memory's scope: it identifies the slab a buffer belongs to
 * ({@code MemorySegment.ofBuffer(buffer).scope()}, matched with {@link #refersTo}) without keeping the scope alive,
 * which would keep the slab's memory from ever being released by the GC.
 */
final class Slab extends WeakReference<MemorySegment.Scope> {
    /**
     * Bytes per slab. 32 KiB: one medium size class of the pools (a thread-cache pop to get, no best-fit search),
     * the size the prototype measured (64 to 512 byte buffers at 31 to 86 ns against the JDK's 575 to 805), and
     * small enough that a thread's current slab, which stays until it is full or the thread ends, pins little: 32 KiB
     * per thread that allocates small direct buffers. Bigger slabs amortize their one cleaner registration further
     * but keep more memory waiting for the GC, since a slab goes back only when its last buffer dies.
     */
    static final int SLAB_BYTES = 32 * 1024;
    /** Buffers start on 16-byte boundaries, like the pools' blocks and malloc's; one state byte per granule. */
    static final int GRANULE_BYTES = 16;
    /** Distinct call sites one slab counts for; a slab that meets one more is sealed early. */
    static final int MAX_SITES = 8;
    /** The state-byte bit of a freed buffer; the low bits keep the buffer's site slot + 1. */
    static final byte FREED = (byte) 0x80;

    private static final VarHandle STATES = MethodHandles.arrayElementVarHandle(byte[].class);
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle FREED_COUNT;
    private static final VarHandle FREED_BYTES;
    private static final VarHandle RELEASED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            FREED_COUNT = lookup.findVarHandle(Slab.class, "freed", int.class);
            FREED_BYTES = lookup.findVarHandle(Slab.class, "freedBytes", long.class);
            RELEASED = lookup.findVarHandle(Slab.class, "released", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The block's address. */
    final long base;
    /** {@code System.identityHashCode} of the scope: where {@link SlabDirectory} files the slab. */
    final int scopeHash;

    /** One byte per granule: 0, a live buffer's site slot + 1, or that | {@link #FREED}. */
    private final byte[] states = new byte[SLAB_BYTES / GRANULE_BYTES];
    /** Owner only: the offset of the next buffer. */
    int top;
    /** Owner only: buffers carved. */
    int allocated;
    /** Owner only: the capacities of the buffers carved, as reserved in the JDK's budget. */
    long allocatedBytes;
    /** Buffers freed explicitly; atomic. */
    private volatile int freed;
    /** Their capacities, given back to the JDK's budget as each was freed; atomic. */
    private volatile long freedBytes;
    /** {@code allocated} once sealed; -1 while open. */
    private volatile int sealedCount = -1;
    /** When it was sealed ({@code System.nanoTime()}); written before {@code sealedCount}. */
    private long sealedAtNanos;
    /** True once {@link #pinningSites} reported this slab. Release thread only. */
    private boolean pinReported;
    /** 1 once the block went back; compare-and-set by whoever releases. */
    private volatile int released;
    /** True once the site table's counts and {@code allocated} are added to the shared counters. */
    private volatile boolean published;

    /**
     * The site table. The owner fills the ids (always: an explicit free reports its buffer's site, see
     * {@link SlabAllocator#prefersOwnBlocks}) and, with per-site accounting, counts and bytes; freers add
     * {@code (1 << 32) + capacity} to their buffer's slot in {@code siteFreed}, a count and a byte total in one word
     * (a slab holds at most 2048 buffers and 32 KiB). The counting arrays are null without per-site accounting.
     */
    private final int[] siteIds = new int[MAX_SITES];
    private final int[] siteCounts;
    private final long[] siteBytes;
    private final long[] siteFreed;
    private int siteCount;
    private int lastSlot;

    Slab(long base, MemorySegment.Scope scope, boolean sites) {
        super(scope);
        this.base = base;
        this.scopeHash = System.identityHashCode(scope);
        siteCounts = sites ? new int[MAX_SITES] : null;
        siteBytes = sites ? new long[MAX_SITES] : null;
        siteFreed = sites ? new long[MAX_SITES] : null;
    }

    // ---- owner side -------------------------------------------------------------------------------------------

    /**
     * {@return the state byte a new buffer of {@code site} gets: its site slot + 1; 0 if the site table is full
     * (the owner seals this slab and takes a new one)} Owner only.
     */
    byte liveState(int site) {
        int slot = lastSlot;
        if (slot < siteCount && siteIds[slot] == site) {
            return (byte) (slot + 1);
        }
        for (slot = 0; slot < siteCount; slot++) {
            if (siteIds[slot] == site) {
                lastSlot = slot;
                return (byte) (slot + 1);
            }
        }
        if (siteCount == MAX_SITES) {
            return 0;
        }
        siteIds[siteCount] = site;
        lastSlot = siteCount;
        return (byte) ++siteCount;
    }

    /** Records a buffer of {@code capacity} bytes carved at {@code offset} with state {@code live}. Owner only. */
    void carved(int offset, int capacity, byte live) {
        states[offset / GRANULE_BYTES] = live;
        allocated++;
        allocatedBytes += capacity;
        if (siteCounts != null) {
            siteCounts[live - 1]++;
            siteBytes[live - 1] += capacity;
        }
    }

    /**
     * Seals the slab: no buffer is carved from it any more. Publishes its counts first (see {@link #publish}).
     *
     * @return true if every buffer was freed already, so the caller should release it
     */
    boolean seal(SlabCounts counts) {
        publish(counts);
        int n = allocated;
        sealedAtNanos = System.nanoTime();
        sealedCount = n;
        return freed == n;
    }

    // ---- any thread -------------------------------------------------------------------------------------------

    /**
     * Adds this slab's allocations, in all and per site, to the shared counters, once: by its sealer, or, for a slab
     * whose owner ended without sealing it, by its releaser.
     */
    void publish(SlabCounts counts) {
        if (published) {
            return;
        }
        counts.published(allocated);
        if (siteCounts != null) {
            for (int slot = 0; slot < siteCount; slot++) {
                counts.siteAllocated(siteIds[slot], siteCounts[slot], siteBytes[slot]);
            }
        }
        published = true;
    }

    /**
     * Hands what this slab holds that the shared counters do not show yet to {@code sink}: allocations not yet
     * published, and explicit frees (all of them, until the release). Racy reads, for statistics.
     */
    void pending(Pending sink) {
        boolean unpublished = !published;
        sink.buffers(unpublished ? allocated : 0, freed);
        if (siteCounts == null) {
            return;
        }
        int n = Math.min(siteCount, MAX_SITES);
        for (int slot = 0; slot < n; slot++) {
            long freedWord = (long) LONGS.getVolatile(siteFreed, slot);
            sink.site(siteIds[slot], unpublished ? siteCounts[slot] : 0, freedWord >>> 32,
                    (unpublished ? siteBytes[slot] : 0) - (int) freedWord);
        }
    }

    /**
     * Marks the buffer at {@code offset} freed.
     *
     * @return its live state (site slot + 1) if this call freed it; 0 if no buffer starts there or it was freed
     *         already
     */
    byte markFreed(int offset) {
        int granule = offset / GRANULE_BYTES;
        while (true) {
            byte state = (byte) STATES.getVolatile(states, granule);
            if (state <= 0) {
                return 0; // nothing starts here (0) or freed already (FREED bit: negative)
            }
            if (STATES.compareAndSet(states, granule, state, (byte) (state | FREED))) {
                return state;
            }
        }
    }

    /**
     * {@return the call site of a buffer whose live state was {@code live}} Any thread that got the buffer from its
     * owner: the owner wrote the slot's id before it carved the buffer.
     */
    int siteOf(byte live) {
        return siteIds[live - 1];
    }

    /**
     * If this slab was sealed before {@code cutoffNanos}, some of its buffers were freed explicitly and some are still
     * live, hands the sites of the live ones to {@code sink}, once per slab: the buffers that keep a slab of
     * explicitly freed ones from going back ({@link SlabAllocator#markPinningSites}). Release thread only.
     */
    void pinningSites(long cutoffNanos, IntConsumer sink) {
        int n = sealedCount;
        if (n < 0 || pinReported || released != 0 || sealedAtNanos - cutoffNanos > 0) {
            return;
        }
        int explicit = freed;
        if (explicit == 0 || explicit == n) {
            return;
        }
        pinReported = true;
        boolean[] seen = new boolean[MAX_SITES];
        for (int granule = 0; granule < states.length; granule++) {
            byte state = (byte) STATES.getVolatile(states, granule);
            if (state > 0 && !seen[state - 1]) {
                seen[state - 1] = true;
                sink.accept(siteIds[state - 1]);
            }
        }
    }

    /** {@return true if a buffer starts at {@code offset} and is not freed} */
    boolean isLive(int offset) {
        return (byte) STATES.getVolatile(states, offset / GRANULE_BYTES) > 0;
    }

    /**
     * Counts one explicit free of a buffer of {@code capacity} bytes whose live state was {@code live}.
     *
     * @return true if that made every buffer of a sealed slab freed, so the caller should release it
     */
    boolean freedOne(byte live, int capacity) {
        if (siteFreed != null) {
            LONGS.getAndAdd(siteFreed, live - 1, (1L << 32) + capacity);
        }
        FREED_BYTES.getAndAdd(this, (long) capacity);
        int n = (int) FREED_COUNT.getAndAdd(this, 1) + 1;
        return n == sealedCount;
    }

    /**
     * After {@link #tryRelease}: gives back to the JDK's budget what the buffers not freed explicitly still hold
     * there (each explicit free gave its own back at once).
     */
    void unreserveRest() {
        JdkDirectMemory.unreserve(allocated - freed, allocatedBytes - freedBytes);
    }

    /** {@return true for the one caller that moves the slab to released} */
    boolean tryRelease() {
        return RELEASED.compareAndSet(this, 0, 1);
    }

    /**
     * After {@link #tryRelease}: hands every buffer of the slab, which all go now, to the shared counters: its
     * explicit frees and the rest, freed with the slab, in all and per site.
     */
    void released(SlabCounts counts) {
        int explicit = freed;
        counts.released(explicit, allocated - explicit);
        if (siteCounts != null) {
            for (int slot = 0; slot < siteCount; slot++) {
                counts.siteFreed(siteIds[slot], siteCounts[slot], siteBytes[slot]);
            }
        }
    }

    /** What a slab holds beyond the shared counters, for a reader of them. */
    interface Pending {
        /** {@code allocated} buffers not yet published; {@code freed} freed explicitly and not yet released. */
        void buffers(long allocated, long freed);

        /**
         * At {@code site}: {@code allocations} not yet published, {@code frees} not yet released, and the live
         * bytes those make ({@code liveBytes}, negative when the frees outweigh).
         */
        void site(int site, long allocations, long frees, long liveBytes);
    }

    /** The shared counters a slab publishes into. */
    interface SlabCounts {
        /** {@code buffers} carved from a slab are now counted as redirected. */
        void published(int buffers);

        /** {@code buffers} of {@code bytes} in all were allocated at {@code site}. */
        void siteAllocated(int site, int buffers, long bytes);

        /** A slab went back with {@code explicit} buffers freed explicitly and {@code withTheSlab} not. */
        void released(int explicit, int withTheSlab);

        /** A slab went back with {@code buffers} of {@code bytes} in all from {@code site}. */
        void siteFreed(int site, int buffers, long bytes);
    }
}
