package dev.offpool.nativebridge;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.offpool.OffPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A JNA {@link Memory} whose bytes are an offpool block: usable wherever JNA takes a {@code Pointer} or a
 * {@code Memory}, for about the cost of a pool allocation instead of a {@code malloc}, a map insertion and a cleaner
 * registration in JNA's own.
 *
 * {@snippet :
 * interface LibC extends Library {
 *     LibC INSTANCE = PooledJna.load("c", LibC.class);  // leases pooled memory for every call: see PooledJna
 *     Pointer memset(Pointer s, int c, long n);
 * }
 *
 * try (PooledMemory buf = PooledMemory.allocate(64)) {  // 64 bytes, not cleared (as JNA's Memory)
 *     LibC.INSTANCE.memset(buf, 'x', 63);
 *     String text = buf.getString(0);                   // 63 x's
 * }                                                     // the block goes back to the pool here
 * }
 *
 * <h2>Lifetime</h2>
 * {@link #close()} returns the block; a second {@code close()} does nothing, as with JNA's {@code Memory}. An
 * instance that becomes unreachable without {@code close()} returns its block through a cleaner thread (a
 * phantom reference, registered without a lock on the allocating thread). Views keep
 * the block alive as JNA's do: a {@link #share(long, long) share} view, a buffer from
 * {@link #getByteBuffer(long, long) getByteBuffer} and a segment from {@link #asSegment()} each keep this instance
 * reachable while they are.
 *
 * <h2>After close</h2>
 * Every accessor (values, arrays, strings, {@code setMemory}/{@code clear}, {@code indexOf}, {@code dump},
 * {@code share}, {@code getByteBuffer}, {@code asSegment}) throws {@link IllegalStateException} naming the memory, and
 * so does every view of it: buffers and segments handed out before are bound to a shared {@link Arena} that
 * {@code close()} closes, so they throw too instead of reaching a block that may have a new owner. JNA's own
 * {@code Memory} dereferences address 0 instead (a crash, or an {@code Error} under {@code jna.protected}).
 * {@link #valid()} turns false and {@code peer} becomes 0 when the block goes back.
 *
 * <h2>Concurrency and native calls</h2>
 * Each access and each call made through {@link PooledJna}'s library options holds a lease on the block: a
 * {@code close()} on another thread marks the memory closed at once (new accesses and calls throw) but the block goes
 * back only when the last lease ends, so a native call in progress never writes into a block with a new owner.
 * Calls made without those options (direct mapping, plain {@code Native.load}, a {@code Structure} or
 * {@code Pointer[]} holding this memory) are not leased: see {@link PooledJna} for exactly what is and is not
 * protected. Closing while a segment from {@link #asSegment()} is held by an FFM downcall in progress throws
 * {@link IllegalStateException} and changes nothing.
 *
 * <h2>Differences from JNA's {@code Memory}</h2>
 * As with JNA's {@code Memory} (malloc), the bytes are not cleared: a block carved from fresh memory reads as zero, a
 * reused one holds what its last owner left ({@code clear()} zeroes it). Reads and writes go through FFM, checked as
 * above. {@code getString} and
 * {@code getWideString} throw {@link IndexOutOfBoundsException} when no terminator lies inside the memory, and
 * {@code indexOf} returns -1 at its end, where JNA's read on past it. {@code close()} on a view invalidates that view
 * only; the block stays with this instance.
 */
public final class PooledMemory extends CheckedMemory {
    /*
     * Lease state, one int:
     *
     *   bit 31  CLOSED      close() has run (or the cleaner): no new lease; the block goes back when leases reach 0
     *   bit 30  VIEWS_OPEN  a scoped arena exists for buffers and segments; close() must close it before CLOSED
     *   0..29   leases      accesses and native calls in progress
     *
     * Transitions: lease() +1 while CLOSED is clear (CAS); release() -1, and the release that leaves exactly CLOSED
     * with no lease frees the block; close() sets CLOSED once (CAS) and frees the block itself if no lease was held.
     * So the block is freed exactly once, after every access that began before close() has ended. A count of 2^30
     * leases would need as many threads inside an access at once.
     */
    private static final int CLOSED = 1 << 31;
    private static final int VIEWS_OPEN = 1 << 30;
    private static final int LEASES = VIEWS_OPEN - 1;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PooledMemory.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** All memory, for global-scope slices over blocks: creating a slice is not a restricted call. */
    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private final long address;
    /** Returns the block if this instance becomes unreachable unclosed; {@link #free()} returns it otherwise. */
    private final BlockReclaimer.Registration registration;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    /** The block as a global-scope segment, made on first access; immutable, so a racy publication is safe. */
    private MemorySegment block;
    /** Made on the first buffer or segment view; closed by close(). Guarded by {@code this}. */
    private Arena viewArena;
    private MemorySegment scoped;
    private boolean viewsClosed;

    private PooledMemory(OffPool pool, long address, long byteSize) {
        this.address = address;
        this.peer = address;
        this.size = byteSize;
        this.registration = BlockReclaimer.register(this, pool, address);
    }

    /**
     * Allocates {@code byteSize} bytes, not cleared (as JNA's {@code Memory}), from {@link OffPool#global()}.
     *
     * @param byteSize the size in bytes, positive
     * @return the memory, open, 16-byte aligned
     * @throws IllegalArgumentException if {@code byteSize <= 0} or over the allocator's largest allocation
     * @throws dev.offpool.OutOfPoolMemoryException if the allocator's reserved-bytes limit is reached
     */
    public static PooledMemory allocate(long byteSize) {
        return allocate(OffPool.global(), byteSize);
    }

    /**
     * Allocates {@code byteSize} bytes, not cleared (as JNA's {@code Memory}), from {@code pool}. The block goes back to {@code pool} on close; if
     * {@code pool} is closed first, its memory is already gone and close only invalidates this instance.
     *
     * @param pool     the allocator
     * @param byteSize the size in bytes, positive
     * @return the memory, open, 16-byte aligned
     * @throws NullPointerException     if {@code pool} is null
     * @throws IllegalArgumentException if {@code byteSize <= 0} or over the allocator's largest allocation
     * @throws dev.offpool.OutOfPoolMemoryException if the allocator's reserved-bytes limit is reached
     * @throws IllegalStateException    if {@code pool} is closed
     */
    public static PooledMemory allocate(OffPool pool, long byteSize) {
        Objects.requireNonNull(pool, "pool");
        if (byteSize <= 0) {
            throw new IllegalArgumentException("memory size must be positive, was " + byteSize);
        }
        long address = pool.allocateAddressUninitialized(byteSize);
        try {
            return new PooledMemory(pool, address, byteSize);
        } catch (RuntimeException | Error e) {
            pool.freeAddress(address);
            throw e;
        }
    }

    /**
     * What a redirected {@code new Memory(byteSize)} call becomes: pooled memory from {@link OffPool#global()}, or,
     * if the pool cannot serve it for any reason, JNA's own {@code new Memory(byteSize)}, so a redirect never fails
     * where the original call would not. Non-positive sizes go straight to JNA, whose exception they get.
     *
     * @param byteSize the size in bytes
     * @return a {@link PooledMemory}, or a JNA {@code Memory} if the pool failed
     * @throws IllegalArgumentException if {@code byteSize <= 0} (JNA's exception)
     * @throws OutOfMemoryError         if JNA's fallback {@code malloc} fails too
     */
    public static Memory newMemory(long byteSize) {
        return newMemory(OffPool.global(), byteSize);
    }

    /** {@link #newMemory(long)} from {@code pool}, so tests can make the pool fail. */
    static Memory newMemory(OffPool pool, long byteSize) {
        if (byteSize > 0) {
            try {
                return allocate(pool, byteSize);
            } catch (RuntimeException poolFailed) {
                // The pool's limit or a page-source failure: JNA's own allocation still serves the caller.
            }
        }
        return new Memory(byteSize);
    }

    /**
     * {@return a segment over this memory's {@link #size()} bytes, bound to a shared arena that {@link #close()}
     * closes} Accesses through it after close throw {@link IllegalStateException}; while it is reachable, so is this
     * memory. The arena is made on the first call to this method or {@link #getByteBuffer(long, long)}, and every
     * later call returns a segment of the same scope.
     *
     * @throws IllegalStateException if the memory is closed
     */
    public MemorySegment asSegment() {
        return scopedSegment();
    }

    /**
     * Returns the block to its pool, at once if no access or leased native call is in progress, else when the last
     * one ends; from now on every access throws {@link IllegalStateException}. Closing again does nothing.
     *
     * @throws IllegalStateException if a segment or buffer view of this memory is held by an FFM downcall in
     *                               progress; nothing changes then
     */
    @Override
    public void close() {
        for (;;) {
            int s = state;
            if (s < 0) {
                return;
            }
            if ((s & VIEWS_OPEN) != 0) {
                closeViews();
            }
            if (STATE.compareAndSet(this, s, s | CLOSED)) {
                if ((s & LEASES) == 0) {
                    free();
                }
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "pooled@0x" + Long.toHexString(address) + " (" + size + " bytes" + (isOpen() ? ")" : ", closed)");
    }

    // -----------------------------------------------------------------------------------------------------------
    // CheckedMemory.
    // -----------------------------------------------------------------------------------------------------------

    @Override
    MemorySegment acquire() {
        lease();
        return block();
    }

    @Override
    void release() {
        int after = (int) STATE.getAndAdd(this, -1) - 1;
        if (after < 0 && (after & LEASES) == 0) {
            free();
        }
    }

    @Override
    CheckedMemory view(long offset, long byteCount) {
        return new View(this, offset, byteCount);
    }

    @Override
    synchronized MemorySegment scopedSegment() {
        if (scoped != null) {
            if (viewsClosed) {
                throw closedException();
            }
            return scoped;
        }
        lease(); // the block cannot be freed while the arena is set up
        try {
            Arena arena = Arena.ofShared();
            MemorySegment segment = MemorySegment.ofAddress(address).reinterpret(size, arena, new KeepReachable(this));
            for (;;) {
                int s = state;
                if (s < 0) {
                    arena.close();
                    throw closedException();
                }
                if (STATE.compareAndSet(this, s, s | VIEWS_OPEN)) {
                    break;
                }
            }
            viewArena = arena;
            scoped = segment;
            return segment;
        } finally {
            release();
        }
    }

    @Override
    boolean isOpen() {
        return state >= 0;
    }

    @Override
    String describe() {
        return "the " + size + "-byte pooled memory at 0x" + Long.toHexString(address);
    }

    // -----------------------------------------------------------------------------------------------------------
    // Leases and release.
    // -----------------------------------------------------------------------------------------------------------

    private void lease() {
        for (;;) {
            int s = state;
            if (s < 0) {
                throw closedException();
            }
            if (STATE.weakCompareAndSet(this, s, s + 1)) {
                return;
            }
        }
    }

    private MemorySegment block() {
        MemorySegment segment = block;
        if (segment == null) {
            segment = EVERYTHING.asSlice(address, size);
            block = segment;
        }
        return segment;
    }

    /** Closes the buffers' and segments' arena; idempotent. Runs before CLOSED is set, so it may still fail. */
    private synchronized void closeViews() {
        if (viewsClosed) {
            return;
        }
        try {
            viewArena.close();
        } catch (IllegalStateException inUse) {
            throw new IllegalStateException(describe() + " cannot be closed: a segment or buffer view of it is held"
                    + " by a native call in progress", inUse);
        }
        viewsClosed = true;
    }

    /**
     * Runs once, by whoever leaves the state CLOSED with no lease; no access can begin or be in progress. The fence
     * keeps this instance reachable until its registration is cleared, so the reclaimer cannot return the block too.
     */
    private void free() {
        peer = 0;
        registration.returnBlock();
        Reference.reachabilityFence(this);
    }

    /**
     * The view arena's cleanup action. It does nothing when it runs; its job is to be held: the arena's scope holds
     * it, every buffer and segment view holds the scope, so each of them keeps the memory reachable and its cleaner
     * from returning the block under them (JNA keeps a weak map from buffers to memories for the same purpose).
     */
    private record KeepReachable(PooledMemory memory) implements Consumer<MemorySegment> {
        @Override
        public void accept(MemorySegment unused) {
        }
    }

    /**
     * A bounded view of part of a pooled memory (what {@code share} and {@code align} return): it leases the owner's
     * block, keeps the owner reachable, and dies with it. Closing a view invalidates the view only.
     */
    private static final class View extends CheckedMemory {
        private final PooledMemory owner;
        private final long offsetInOwner;
        private volatile boolean closed;
        private MemorySegment block;

        View(PooledMemory owner, long offsetInOwner, long byteSize) {
            this.owner = owner;
            this.offsetInOwner = offsetInOwner;
            this.peer = owner.address + offsetInOwner;
            this.size = byteSize;
        }

        @Override
        MemorySegment acquire() {
            if (closed) {
                throw closedException();
            }
            owner.lease();
            MemorySegment segment = block;
            if (segment == null) {
                segment = owner.block().asSlice(offsetInOwner, size);
                block = segment;
            }
            return segment;
        }

        @Override
        void release() {
            owner.release();
        }

        @Override
        CheckedMemory view(long offset, long byteCount) {
            return new View(owner, offsetInOwner + offset, byteCount);
        }

        @Override
        MemorySegment scopedSegment() {
            if (closed) {
                throw closedException();
            }
            return owner.scopedSegment().asSlice(offsetInOwner, size);
        }

        @Override
        boolean isOpen() {
            return !closed && owner.isOpen();
        }

        @Override
        String describe() {
            return "the " + size + "-byte view at offset " + offsetInOwner + " of " + owner.describe();
        }

        /** Invalidates this view; the block stays with its owner, which alone returns it. */
        @Override
        public void close() {
            closed = true;
        }

        @Override
        public String toString() {
            return "pooled@0x" + Long.toHexString(owner.address + offsetInOwner) + " (" + size + " bytes, view of "
                    + owner + (isOpen() ? ")" : ", closed)");
        }
    }
}
