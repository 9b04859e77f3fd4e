package dev.offpool.internal;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A span of address space one tier carves blocks from: a pool arena, a large chunk or a huge mapping. The
 * {@link RegionMap} finds it from any address inside it without reading that address.
 *
 * <h2>Pooled arenas and {@code close()}</h2>
 * A pooled {@code Arena} hands out segments bound to its own (JDK) scope, which only its owner can close. So memory
 * such an arena holds must stay mapped until it closes, even past {@code OffPool.close()}: {@link #holds} counts the
 * blocks open pooled arenas hold in this region, and a closing allocator releases a held region only when the last
 * of them comes back ({@link #dropHold()}). The count and the allocator's closed flag form a Dekker pair: a pooled
 * arena raises the count, then reads the flag; {@code close()} sets the flag, then reads the counts; so either the
 * arena sees the allocator closed and backs out, or {@code close()} sees the hold and defers.
 */
public abstract class Region {
    private static final VarHandle HOLDS;
    private static final VarHandle DOOMED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HOLDS = lookup.findVarHandle(Region.class, "holds", int.class);
            DOOMED = lookup.findVarHandle(Region.class, "doomed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@link #kind} of a pool arena (small and medium classes). */
    public static final byte POOLED = 0;
    /** {@link #kind} of a large-tier chunk. */
    public static final byte LARGE = 1;
    /** {@link #kind} of a huge block's own mapping. */
    public static final byte HUGE = 2;

    /** Which tier the region belongs to: {@link #POOLED}, {@link #LARGE} or {@link #HUGE}; the free path switches on it. */
    public final byte kind;
    /** The page-source memory and its scope. */
    public final Chunk chunk;
    /** The chunk's memory, bound to its scope: every access and every handed-out segment goes through it. */
    public final MemorySegment memory;
    /** {@code memory.scope()}, kept: the scope every segment of this region carries. */
    public final MemorySegment.Scope scope;
    /** First address. */
    public final long base;
    /** One past the last address. */
    public final long end;

    /** Set just before the memory goes back: a reader holding this region from a cache must look it up again. */
    private volatile boolean released;
    @SuppressWarnings("unused") // through HOLDS
    private volatile int holds;
    @SuppressWarnings("unused") // through DOOMED
    private volatile boolean doomed;

    protected Region(byte kind, Chunk chunk) {
        this.kind = kind;
        this.chunk = chunk;
        this.memory = chunk.memory;
        this.scope = memory.scope();
        this.base = chunk.address();
        this.end = base + chunk.byteSize();
    }

    /** {@return true if {@code address} lies inside this region} */
    public final boolean contains(long address) {
        return address - base >= 0 && address - end < 0;
    }

    /** A pooled arena takes a block of this region. Full fence: see the class comment. */
    public final void addHold() {
        HOLDS.getAndAdd(this, 1);
    }

    /** A pooled arena gives a block of this region back; the last one out of a doomed region releases it. */
    public final void dropHold() {
        if ((int) HOLDS.getAndAdd(this, -1) == 1 && (boolean) DOOMED.getVolatile(this)) {
            release();
        }
    }

    /**
     * The allocator is closing: release the region now, or, when pooled arenas still hold blocks of it, when the
     * last of them comes back.
     */
    public final void releaseOrDefer() {
        DOOMED.setVolatile(this, true);
        if ((int) HOLDS.getVolatile(this) == 0) {
            release();
        }
    }

    /** Gives the memory back to the page source (once); the region is marked released first. */
    public final void release() {
        released = true;
        chunk.release();
    }

    /** {@return true once {@link #release()} has begun} One volatile load: the fast path's check of a cached region. */
    public final boolean isReleased() {
        return released;
    }
}
