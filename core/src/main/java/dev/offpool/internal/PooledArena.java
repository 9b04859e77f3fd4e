package dev.offpool.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A {@link java.lang.foreign.Arena} whose memory comes from an {@code OffPool}, answering every call as
 * {@code Arena.ofConfined()} or {@code Arena.ofShared()} would.
 *
 * <p>Small requests are bumped out of slabs: the first slab is a 256-byte pool block, each next one twice the last,
 * up to 64 KiB. A request over half the current slab size (or aligned beyond 16) gets a block of its own. An arena
 * is a region: nothing in it is freed before close, so a slab costs one allocation and one free for all the segments
 * cut from it, where {@code Arena.ofConfined()} pays a malloc and a free per segment. Slabs come zeroed from the
 * allocator and bumping never reuses bytes, so every segment reads as zero.
 *
 * <h2>Same answers as the JDK's arenas</h2>
 * Every segment starts at a multiple of 16 (malloc's alignment, which the JDK's arenas give in practice) or of the
 * requested alignment if larger; a zero-byte request gets a zero-length segment at a distinct non-NULL address (it
 * takes one byte of the slab); a negative size or an alignment that is not a positive power of two throws
 * {@link IllegalArgumentException}; a request the allocator cannot serve (over its largest allocation, its
 * reserved-bytes limit, the OS refusing) throws {@link OutOfMemoryError} with offpool's reason as the cause, as a
 * JDK arena throws when malloc fails. A confined arena throws {@link WrongThreadException} on another thread; a
 * closed one throws {@link IllegalStateException}, and so does one whose allocator has closed.
 *
 * <h2>Scope and memory</h2>
 * The segments' lifetime is a real JDK arena's scope ({@code Arena.ofConfined()} or {@code Arena.ofShared()}, which
 * allocates nothing itself): closing it makes every segment inaccessible through the JDK's own checks, then every
 * slab and block goes back to the allocator. The memory under them stays mapped while the arena is open, even past
 * the allocator's {@code close()}: the arena holds its regions ({@link Region#addHold()}), and a closed allocator
 * releases a held region only when its last arena closes. So no segment of an open arena can reach unmapped memory.
 */
public final class PooledArena implements Arena {
    private static final long FIRST_SLAB_BYTES = 256;
    private static final long MAX_SLAB_BYTES = 64 * 1024;
    /** Every segment starts at a multiple of this, as malloc's do. */
    private static final long MIN_ALIGNMENT_BYTES = 16;

    private final ArenaBacking allocator;
    private final Arena scope;
    /** The opening thread of a confined arena; null for a shared one (whose state is guarded by its monitor). */
    private final Thread owner;

    /** The first slab or block, freed on close; most arenas never need more, so no array is made for it. */
    private ArenaBacking.Block firstBlock;
    /** Every later slab and own block, freed on close; null until a second block is needed. */
    private ArenaBacking.Block[] moreBlocks;
    private int moreCount;
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
    public PooledArena(ArenaBacking allocator, Arena scope, boolean shared) {
        this.allocator = allocator;
        this.scope = scope;
        this.owner = shared ? null : Thread.currentThread();
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("The provided allocation size is negative: " + byteSize);
        }
        if (byteAlignment <= 0 || (byteAlignment & (byteAlignment - 1)) != 0) {
            throw new IllegalArgumentException("Invalid alignment constraint : " + byteAlignment);
        }
        if (owner != null) {
            return allocateChecked(byteSize, byteAlignment);
        }
        synchronized (this) {
            return allocateChecked(byteSize, byteAlignment);
        }
    }

    private MemorySegment allocateChecked(long byteSize, long byteAlignment) {
        if (owner != null && owner != Thread.currentThread()) {
            throw new WrongThreadException("Attempted access outside owning thread");
        }
        if (!scope.scope().isAlive() || allocator.isClosed()) {
            throw new IllegalStateException("Already closed");
        }
        // ---- hot path: cut the request from the current slab ----
        long alignment = Math.max(MIN_ALIGNMENT_BYTES, byteAlignment);
        if (slab != null && alignment == MIN_ALIGNMENT_BYTES) {
            long start = (cursor + MIN_ALIGNMENT_BYTES - 1) & -MIN_ALIGNMENT_BYTES;
            long taken = Math.max(1, byteSize);
            if (taken <= limit - start) {
                cursor = start + taken;
                return slab.asSlice(start, byteSize);
            }
        }
        return allocateSlow(byteSize, alignment);
    }

    // A new slab, or a block of its own for a request too big (or too aligned) for one.
    private MemorySegment allocateSlow(long byteSize, long alignment) {
        long taken = Math.max(1, byteSize);
        if (taken > nextSlabBytes / 2 || alignment > MIN_ALIGNMENT_BYTES) {
            ArenaBacking.Block block = remember(allocator.allocate(taken, alignment));
            return block.memory().reinterpret(scope, null).asSlice(0, byteSize);
        }
        ArenaBacking.Block block = remember(allocator.allocate(nextSlabBytes, MIN_ALIGNMENT_BYTES));
        slab = block.memory().reinterpret(scope, null);
        cursor = taken;
        limit = nextSlabBytes;
        nextSlabBytes = Math.min(MAX_SLAB_BYTES, nextSlabBytes * 2);
        return slab.asSlice(0, byteSize);
    }

    private ArenaBacking.Block remember(ArenaBacking.Block block) {
        if (firstBlock == null) {
            firstBlock = block;
            return block;
        }
        if (moreBlocks == null) {
            moreBlocks = new ArenaBacking.Block[8];
        } else if (moreCount == moreBlocks.length) {
            moreBlocks = Arrays.copyOf(moreBlocks, moreCount * 2);
        }
        moreBlocks[moreCount++] = block;
        return block;
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
        if (owner != null) {
            closeChecked();
            return;
        }
        synchronized (this) {
            closeChecked();
        }
    }

    private void closeChecked() {
        scope.close(); // throws as the JDK's arena would: closed already, wrong thread, or acquired by a downcall
        slab = null;
        if (firstBlock != null) {
            allocator.free(firstBlock);
            firstBlock = null;
        }
        for (int i = 0; i < moreCount; i++) {
            allocator.free(moreBlocks[i]);
        }
        moreBlocks = null;
        moreCount = 0;
    }
}
