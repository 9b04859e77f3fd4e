package dev.offpool.internal;

import dev.offpool.OffPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A {@link java.lang.foreign.Arena} whose memory comes from an {@link OffPool}.
 *
 * <p>Small requests are bumped out of slabs: the first slab is a 256-byte pool block, each next one twice the last
 * (from the large tier past 512 bytes) up to 64 KiB. A request over half the current slab size gets a block of its
 * own. An arena is a region: nothing in it is freed before close, so a slab costs one allocation and one free for
 * all the segments cut from it, where {@code Arena.ofConfined()} pays a malloc and a free per segment. Slabs come
 * zeroed from the allocator and bump allocation never reuses bytes, so every segment reads as zero.
 *
 * <p>The segments' lifetime is a real JDK arena's scope ({@code Arena.ofConfined()} or {@code Arena.ofShared()},
 * which allocates nothing itself): closing it makes every segment inaccessible through the JDK's own checks, then
 * every slab and block goes back to the allocator. Confined arenas keep the owner-thread rules of their scope;
 * shared ones guard their state with the arena's monitor.
 */
public final class PooledArena implements Arena {
    private final OffPool allocator;
    private final Arena scope;
    private final boolean shared;
    /** The opening thread of a confined arena; null for a shared one. */
    private final Thread owner;
    private static final long FIRST_SLAB_BYTES = 256;
    private static final long MAX_SLAB_BYTES = 64 * 1024;

    /** The first slab or block, freed on close; most arenas never need more, so no array is made for it. */
    private long firstBlock;
    /** Every later slab and own-block address, freed on close; null until a second block is needed. */
    private long[] moreBlocks;
    private int moreCount;
    private boolean closed;
    /** The current slab as a segment of this arena's scope (made once per slab: reinterpret is not free). */
    private MemorySegment slab;
    /** The free part of the current slab: {@code [cursor, limit)} as offsets into {@link #slab}. */
    private long cursor;
    private long limit;
    private long nextSlabBytes = FIRST_SLAB_BYTES;

    /**
     * @param allocator where blocks come from
     * @param scope     a fresh JDK arena used only for its scope
     * @param shared    whether {@code scope} is shared
     */
    public PooledArena(OffPool allocator, Arena scope, boolean shared) {
        this.allocator = allocator;
        this.scope = scope;
        this.shared = shared;
        this.owner = shared ? null : Thread.currentThread();
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("size must not be negative, was " + byteSize);
        }
        if (!shared) {
            return allocateLocked(byteSize, byteAlignment);
        }
        synchronized (this) {
            return allocateLocked(byteSize, byteAlignment);
        }
    }

    private MemorySegment allocateLocked(long byteSize, long byteAlignment) {
        if (closed) {
            throw new IllegalStateException("arena is closed");
        }
        if (owner != null && owner != Thread.currentThread()) {
            throw new WrongThreadException("confined arena used by a thread other than its owner");
        }
        if (byteAlignment <= 0 || (byteAlignment & (byteAlignment - 1)) != 0) {
            throw new IllegalArgumentException("alignment must be a power of two, was " + byteAlignment);
        }
        if (byteSize == 0) {
            return MemorySegment.NULL.reinterpret(0, scope, null);
        }
        // ---- hot path: cut the request from the current slab ----
        if (slab != null) {
            long start = ((slab.address() + cursor + byteAlignment - 1) & -byteAlignment) - slab.address();
            if (byteSize <= limit - start) {
                cursor = start + byteSize;
                return slab.asSlice(start, byteSize);
            }
        }
        return allocateSlow(byteSize, byteAlignment);
    }

    // A new slab, or a block of its own for a request too big (or too aligned) for one.
    private MemorySegment allocateSlow(long byteSize, long byteAlignment) {
        if (byteSize > nextSlabBytes / 2 || byteAlignment > SizeClasses.QUANTUM_BYTES) {
            long address = remember(allocator.allocateAddress(byteSize, byteAlignment));
            return NativeMemory.segment(address, byteSize).reinterpret(scope, null);
        }
        long address = remember(allocator.allocateAddress(nextSlabBytes));
        slab = NativeMemory.segment(address, nextSlabBytes).reinterpret(scope, null);
        cursor = byteSize;
        limit = nextSlabBytes;
        nextSlabBytes = Math.min(MAX_SLAB_BYTES, nextSlabBytes * 2);
        return slab.asSlice(0, byteSize);
    }

    private long remember(long address) {
        if (firstBlock == 0) {
            firstBlock = address;
            return address;
        }
        if (moreBlocks == null) {
            moreBlocks = new long[8];
        } else if (moreCount == moreBlocks.length) {
            moreBlocks = Arrays.copyOf(moreBlocks, moreCount * 2);
        }
        moreBlocks[moreCount++] = address;
        return address;
    }

    @Override
    public MemorySegment.Scope scope() {
        return scope.scope();
    }

    /**
     * Invalidates every segment of this arena, then frees every block.
     *
     * @throws IllegalStateException if already closed
     * @throws WrongThreadException  if confined and called from another thread
     */
    @Override
    public void close() {
        if (!shared) {
            closeLocked();
            return;
        }
        synchronized (this) {
            closeLocked();
        }
    }

    private void closeLocked() {
        scope.close(); // throws if closed already, or on the wrong thread, before anything is freed
        closed = true;
        slab = null;
        if (firstBlock != 0) {
            allocator.freeAddress(firstBlock);
        }
        for (int i = 0; i < moreCount; i++) {
            allocator.freeAddress(moreBlocks[i]);
        }
        moreBlocks = null;
    }
}
