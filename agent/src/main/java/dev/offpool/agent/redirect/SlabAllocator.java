package dev.offpool.agent.redirect;

import dev.offpool.OffPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Serves small redirected buffers (up to {@code slabMaxBytes}) from {@linkplain Slab slabs}: each platform thread
 * carves its buffers one after the other from its current slab, a pool block of {@value Slab#SLAB_BYTES} bytes
 * whose memory is bound to one automatic arena; the JDK returns the block (the arena's cleanup) once every buffer
 * of the slab, every view of them and every segment made from them is unreachable. Not API.
 *
 * <h2>Why slabs</h2>
 * A direct buffer that the GC frees costs the GC one reference object to discover and process: the JDK's
 * {@code Cleaner}, or the per-buffer path's phantom {@link BlockRecord}. At 64 bytes that processing is most of the
 * buffer's cost (about 600 ns a buffer for the JDK and for the per-buffer path alike, against the pool's 20 ns). A
 * slab pays it once for all its buffers: the JDK's cleanable of its arena. A buffer costs a bump of the owner's
 * offset, a state byte, a slice of the slab's segment and the buffer object: no reference object, no table entry,
 * no atomic (agent/README.md, "Small buffers: slabs", has the figures).
 *
 * <h2>The hot path</h2>
 * {@link #allocate}: the thread's cursor (a slot by thread id), a bounds check, a state byte and two counts
 * stored plainly, {@code memory.asSlice(offset, capacity).asByteBuffer()}. Its slow path is {@link #replace}: seal
 * the full slab, take a zeroed block of {@value Slab#SLAB_BYTES} bytes, make its arena and
 * register it in the {@link SlabDirectory}.
 *
 * <h2>Virtual threads</h2>
 * They share {@code stripes} cursors chosen by thread id, each under its monitor (which does not pin a virtual
 * thread since JDK 24); a million virtual threads use no more slabs than there are stripes.
 *
 * <h2>Explicit frees</h2>
 * {@link #free} finds the buffer's slab from its scope (the thread's current slab first, then the directory),
 * refuses views ({@link BufferRoots}), and flips the buffer's state byte from live to freed; a second free finds it
 * freed. The block goes back when its slab is sealed and every buffer in it was freed, or when the GC finds the slab
 * unreachable, whichever comes first: a small buffer's memory returns with its slab's, not on its own.
 */
final class SlabAllocator implements Slab.SlabCounts {
    /** What {@link #free} did, or what {@link #check} found. */
    enum Outcome {
        /** The buffer's scope is no slab's: not a slab buffer (a per-buffer one, the JDK's, or a released slab's). */
        NOT_A_SLAB_BUFFER,
        /** This call freed the buffer. */
        FREED,
        /** A live slab buffer's root. */
        LIVE,
        /** A slab buffer's view: refused, as the JDK refuses to free a slice or duplicate. */
        VIEW,
        /** Freed already, or no buffer starts there (a buffer made from a segment of one): nothing done. */
        NOT_LIVE
    }

    private final OffPool pool;
    private final boolean sites;
    private final boolean injectFault;
    /**
     * The redirector's count of pool bytes its buffers hold; a slab holds {@value Slab#SLAB_BYTES}. (The budget is the
     * JDK's, per buffer: {@link JdkDirectMemory}, reserved by the redirector before it calls here.)
     */
    private final AtomicLong reservedBytes;
    private final Consumer<Throwable> releaseFailure;
    private final SlabDirectory directory = new SlabDirectory();
    /**
     * The fast way to a platform thread's cursor: slot {@code threadId & (SLOTS - 1)} holds the cursor of the first
     * thread with that id to allocate while the slot was free, checked by owner id: two loads and a compare, where
     * a {@code ThreadLocal} lookup is a hash probe and a weak-reference check (15% of an explicitly freed 64-byte
     * buffer's profile, for its two lookups). A thread whose slot is taken uses {@link #local}. A slot keeps its
     * cursor, and so its current slab, reachable after its thread ends, until {@link #sweep} empties it.
     */
    private final Cursor[] slots = new Cursor[SLOTS];
    private static final int SLOTS = 1024;
    private final ThreadLocal<Cursor> local = ThreadLocal.withInitial(() -> new Cursor(Thread.currentThread()));
    private final Cursor[] stripes;

    /**
     * Per call site id: true once its buffers were found pinning a slab ({@link #prefersOwnBlocks}). Copy-on-write
     * under {@code this}; a reader may see a flag late, which only delays the switch.
     */
    private volatile boolean[] ownBlockSites = new boolean[64];

    /** Buffers of sealed or released slabs; the open slabs' are read from them. */
    private final LongAdder publishedBuffers = new LongAdder();
    /** Buffers of released slabs: freed explicitly, and gone with their slab. */
    private final LongAdder releasedExplicit = new LongAdder();
    private final LongAdder releasedWithTheSlab = new LongAdder();

    /** A thread's (or a stripe's) current slab, its memory and that memory's scope; all null before the first. */
    private static final class Cursor {
        /** The owner thread, or null for a stripe. */
        final Thread owner;
        /** Its id, or -1 for a stripe. */
        final long ownerId;
        Slab slab;
        /** The whole slab, bound to the slab's arena: buffers are slices of it, so they share its scope. */
        MemorySegment memory;
        /** {@code memory.scope()}: a free of a buffer of this slab finds it with one comparison. */
        MemorySegment.Scope scope;

        Cursor(Thread owner) {
            this.owner = owner;
            this.ownerId = owner == null ? -1 : owner.threadId();
        }
    }

    /**
     * @param pool           where slabs come from
     * @param sites          whether each call site keeps counters
     * @param injectFault    every new slab fails (the testing aid of {@link RedirectConfig#injectFault})
     * @param reservedBytes  the pool bytes held, shared with the per-buffer path
     * @param releaseFailure told of a failure while returning a block (a bug); the caller is never affected
     */
    SlabAllocator(OffPool pool, boolean sites, boolean injectFault, AtomicLong reservedBytes,
                  Consumer<Throwable> releaseFailure) {
        this.pool = pool;
        this.sites = sites;
        this.injectFault = injectFault;
        this.reservedBytes = reservedBytes;
        this.releaseFailure = releaseFailure;
        int processors = Runtime.getRuntime().availableProcessors();
        // Virtual threads run on about one carrier per processor, so that many allocate at once at most.
        this.stripes = new Cursor[Math.clamp(Integer.highestOneBit(processors * 2 - 1), 2, 256)];
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Cursor(null);
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Allocation.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * Carves a zeroed buffer of {@code capacity} bytes from the calling thread's slab.
     *
     * @param capacity 1..{@value Slab#SLAB_BYTES}
     * @param site     the call site's id
     * @return the buffer
     * @throws RuntimeException from the pool, if a new slab was needed and could not be had (the caller counts it
     *                          and falls back)
     */
    ByteBuffer allocate(int capacity, int site) {
        if (Thread.currentThread().isVirtual()) {
            Cursor stripe = stripes[(int) Thread.currentThread().threadId() & (stripes.length - 1)];
            synchronized (stripe) {
                return carve(stripe, capacity, site);
            }
        }
        return carve(cursor(), capacity, site);
    }

    /** {@return the calling platform thread's cursor} */
    private Cursor cursor() {
        long id = Thread.currentThread().threadId();
        Cursor cursor = slots[(int) id & (SLOTS - 1)];
        return cursor != null && cursor.ownerId == id ? cursor : cursorSlow(id);
    }

    private Cursor cursorSlow(long id) {
        Cursor cursor = local.get();
        int slot = (int) id & (SLOTS - 1);
        Cursor holder = slots[slot];
        if (holder == null || !holder.owner.isAlive()) {
            synchronized (slots) {
                holder = slots[slot];
                if (holder == null || !holder.owner.isAlive()) {
                    slots[slot] = cursor;
                }
            }
        }
        return cursor;
    }

    /**
     * Empties the slots of threads that ended, so that their current slabs can go back once their buffers die. Run
     * by the redirector's release thread every {@value Redirector#SWEEP_MILLIS} ms; a thread that ended also gives
     * its slot to the next thread with the same slot that allocates.
     */
    void sweep() {
        synchronized (slots) {
            for (int i = 0; i < SLOTS; i++) {
                Cursor cursor = slots[i];
                if (cursor != null && !cursor.owner.isAlive()) {
                    slots[i] = null;
                }
            }
        }
    }

    private ByteBuffer carve(Cursor cursor, int capacity, int site) {
        // ---- hot path: a bump, a state byte, two plain counts, a slice; measured in agent/README.md ----
        int take = (capacity + Slab.GRANULE_BYTES - 1) & -Slab.GRANULE_BYTES;
        Slab slab = cursor.slab;
        byte live;
        if (slab == null || slab.top > Slab.SLAB_BYTES - take || (live = slab.liveState(site)) == 0) {
            slab = replace(cursor);
            live = slab.liveState(site);
        }
        int offset = slab.top;
        slab.top = offset + take;
        slab.carved(offset, capacity, live);
        return cursor.memory.asSlice(offset, capacity).asByteBuffer();
    }

    /**
     * The slow path: seals {@code cursor}'s slab (releasing it if every buffer in it was freed already, which makes
     * room first), then opens a new one.
     *
     * @return the new slab
     */
    private Slab replace(Cursor cursor) {
        Slab old = cursor.slab;
        if (old != null) {
            MemorySegment oldMemory = cursor.memory;
            boolean allFreed = old.seal(this);
            cursor.slab = null;
            cursor.memory = null;
            cursor.scope = null;
            // Until sealed, the old slab must stay reachable: its GC release would publish its counts alongside.
            Reference.reachabilityFence(oldMemory);
            if (allFreed) {
                release(old);
            }
        }
        open(cursor);
        return cursor.slab;
    }

    /** Makes {@code cursor}'s slab a new one. */
    private void open(Cursor cursor) {
        if (injectFault) {
            throw new IllegalStateException("offpool agent: injected fault (offpool.agentFault=allocate)");
        }
        reservedBytes.addAndGet(Slab.SLAB_BYTES);
        long base = 0;
        Slab slab = null;
        try {
            base = pool.allocateAddress(Slab.SLAB_BYTES);
            Arena arena = Arena.ofAuto();
            Slab fresh = new Slab(base, arena.scope(), sites);
            slab = fresh;
            // The cleanup runs on the JDK's cleaner thread once the arena's scope is unreachable: every buffer,
            // view and segment of the slab is dead, and no cursor holds its memory.
            MemorySegment memory = MemorySegment.ofAddress(base)
                    .reinterpret(Slab.SLAB_BYTES, arena, ignored -> releaseByGc(fresh));
            directory.add(fresh);
            cursor.slab = fresh;
            cursor.memory = memory;
            cursor.scope = memory.scope();
        } catch (RuntimeException | Error failure) {
            // Taking the release here keeps a registered cleanup from returning the block a second time; if the
            // cleanup took it first (the JDK runs it at once when it cannot register it), it returned everything.
            if (slab == null || slab.tryRelease()) {
                if (base != 0) {
                    freeQuietly(base);
                }
                if (slab != null) {
                    directory.remove(slab);
                }
                reservedBytes.addAndGet(-Slab.SLAB_BYTES);
            }
            throw failure;
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Explicit frees.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * How long a sealed slab with explicitly freed buffers may stay held by its live ones before their sites leave
     * the slabs ({@link #markPinningSites}): long enough for a request's buffers to be freed, short against the
     * minutes a session's or a cache's may live.
     */
    static final long PIN_NANOS = 1_000_000_000L;

    /**
     * {@return true if {@code site}'s small buffers should get blocks of their own rather than slab space}
     *
     * <p>Why: a slab goes back only when every buffer in it is freed or dead, so one buffer that lives on pins the
     * whole 32 KiB. In a program that frees its buffers explicitly ({@code Unsafe.invokeCleaner}, as Netty does) and
     * keeps some from the same sites for minutes, slab after slab stays held by a few: the workload study's server
     * held 9.5 times its live bytes in slabs. So the sites of the buffers that hold a sealed slab of explicitly freed
     * ones for longer than {@link #PIN_NANOS} take the per-buffer path from then on; its explicit free is immediate,
     * and its cleared record costs the GC nothing. A program that frees everything it allocates, or leaves
     * everything to the GC, keeps its slabs.
     */
    boolean prefersOwnBlocks(int site) {
        boolean[] flags = ownBlockSites;
        return site >= 0 && site < flags.length && flags[site];
    }

    /**
     * Sends the sites of the live buffers that have held a sealed, partly explicitly freed slab since before
     * {@code cutoffNanos} to the per-buffer path. Run by the redirector's release thread with its sweep.
     */
    void markPinningSites(long cutoffNanos) {
        directory.forEach(slab -> slab.pinningSites(cutoffNanos, this::preferOwnBlocks));
    }

    private void preferOwnBlocks(int site) {
        if (site < 0 || prefersOwnBlocks(site)) {
            return;
        }
        synchronized (this) {
            boolean[] flags = ownBlockSites;
            if (site >= flags.length) {
                flags = Arrays.copyOf(flags, Math.max(site + 1, flags.length * 2));
            } else {
                flags = flags.clone();
            }
            flags[site] = true;
            ownBlockSites = flags;
        }
    }

    /**
     * Frees a slab buffer if {@code buffer} is one: a root, live.
     *
     * @param buffer a direct buffer
     * @return what was done
     */
    Outcome free(ByteBuffer buffer) {
        return visit(buffer, true);
    }

    /**
     * {@return what {@code buffer} is: {@link Outcome#LIVE}, {@link Outcome#NOT_LIVE}, {@link Outcome#VIEW} or
     * {@link Outcome#NOT_A_SLAB_BUFFER}}
     *
     * @param buffer a direct buffer
     */
    Outcome check(ByteBuffer buffer) {
        return visit(buffer, false);
    }

    /** Finds {@code buffer}'s slab and its place there, then frees it ({@code free}) or says whether it is live. */
    private Outcome visit(ByteBuffer buffer, boolean free) {
        MemorySegment segment = MemorySegment.ofBuffer(buffer);
        MemorySegment.Scope scope = segment.scope();
        Slab slab = find(scope);
        if (slab == null) {
            return Outcome.NOT_A_SLAB_BUFFER;
        }
        if (BufferRoots.isView(buffer)) {
            return Outcome.VIEW;
        }
        int offset = offsetIn(slab, segment, buffer);
        Outcome outcome;
        if (!free) {
            outcome = offset >= 0 && slab.isLive(offset) ? Outcome.LIVE : Outcome.NOT_LIVE;
        } else {
            byte live = offset < 0 ? 0 : slab.markFreed(offset);
            if (live == 0) {
                outcome = Outcome.NOT_LIVE;
            } else {
                JdkDirectMemory.unreserve(1, buffer.capacity());
                if (slab.freedOne(live, buffer.capacity())) {
                    release(slab);
                }
                outcome = Outcome.FREED;
            }
        }
        // The GC release must not run while this call looks at the slab: the scope keeps its memory reachable.
        Reference.reachabilityFence(scope);
        return outcome;
    }

    private Slab find(MemorySegment.Scope scope) {
        long id = Thread.currentThread().threadId();
        Cursor cursor = slots[(int) id & (SLOTS - 1)];
        if (cursor != null && cursor.ownerId == id && cursor.scope == scope) {
            return cursor.slab;
        }
        return directory.find(scope);
    }

    /** {@return the offset of the buffer's index 0 in the slab, or -1 if it is not a granule inside it} */
    private static int offsetIn(Slab slab, MemorySegment segment, ByteBuffer buffer) {
        long offset = segment.address() - buffer.position() - slab.base;
        return offset >= 0 && offset < Slab.SLAB_BYTES && offset % Slab.GRANULE_BYTES == 0 ? (int) offset : -1;
    }

    // -----------------------------------------------------------------------------------------------------------
    // Release.
    // -----------------------------------------------------------------------------------------------------------

    /** The arena's cleanup, on the JDK's cleaner thread. */
    private void releaseByGc(Slab slab) {
        try {
            if (slab.tryRelease()) {
                returnBlock(slab);
            }
        } catch (Throwable t) {
            releaseFailure.accept(t); // never into the JDK's cleaner thread
        }
    }

    /** A sealed slab whose buffers were all freed explicitly. */
    private void release(Slab slab) {
        try {
            if (slab.tryRelease()) {
                returnBlock(slab);
            }
        } catch (RuntimeException e) {
            releaseFailure.accept(e); // the caller's free was valid: it must not see the agent's failure
        }
    }

    private void returnBlock(Slab slab) {
        slab.publish(this);
        directory.remove(slab);
        slab.released(this);
        slab.unreserveRest();
        freeQuietly(slab.base);
        reservedBytes.addAndGet(-Slab.SLAB_BYTES);
    }

    private void freeQuietly(long address) {
        try {
            pool.freeAddress(address);
        } catch (RuntimeException e) {
            releaseFailure.accept(e);
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Counters.
    // -----------------------------------------------------------------------------------------------------------

    @Override
    public void published(int buffers) {
        publishedBuffers.add(buffers);
    }

    @Override
    public void siteAllocated(int site, int buffers, long bytes) {
        CallSites.site(site).allocated(buffers, bytes);
    }

    @Override
    public void released(int explicit, int withTheSlab) {
        releasedExplicit.add(explicit);
        releasedWithTheSlab.add(withTheSlab);
    }

    @Override
    public void siteFreed(int site, int buffers, long bytes) {
        CallSites.site(site).freed(buffers, bytes);
    }

    /**
     * Slab buffers, counted by the shared counters plus racy reads of the slabs not released yet; read while
     * threads allocate and free, they may disagree by the operations in flight.
     *
     * @param redirected      buffers carved
     * @param freedExplicitly buffers freed explicitly
     * @param freedWithSlab   buffers never freed explicitly whose slab went back (after the GC found it dead)
     */
    record Totals(long redirected, long freedExplicitly, long freedWithSlab) {
    }

    /** {@return the slab buffers' totals now} */
    Totals totals() {
        long[] pending = new long[2];
        directory.forEach(slab -> slab.pending(new Slab.Pending() {
            @Override
            public void buffers(long allocated, long freed) {
                pending[0] += allocated;
                pending[1] += freed;
            }

            @Override
            public void site(int site, long allocations, long frees, long liveBytes) {
                // totals only
            }
        }));
        return new Totals(publishedBuffers.sum() + pending[0], releasedExplicit.sum() + pending[1],
                releasedWithTheSlab.sum());
    }

    /** Hands the per-site counts of slabs not released yet to {@code sink} (see {@link Slab#pending}). */
    void pendingSites(Slab.Pending sink) {
        directory.forEach(slab -> slab.pending(sink));
    }

    /** {@return slabs not yet released} */
    int liveSlabs() {
        return directory.size();
    }
}
