package dev.offpool.internal;

/**
 * The on-heap half of one pool's header (the off-heap half, the live-block bitmap, sits at the pool's tail; see
 * {@link SmallHeap}). Every mutable field is guarded by the lock of the pool's size class while the pool serves a
 * class, and by the heap's arena lock while it is unused.
 */
final class Pool {
    /** The arena the pool is carved from. */
    final ArenaChunk arena;
    /** Index of the pool within its arena. */
    final int index;
    /** Address of the pool's first byte (and first block); a multiple of the pool size. */
    final long address;

    /** The size class served, or -1 while the pool is unused. Written before the pool's blocks are handed out. */
    int sizeClass = -1;
    /** Block size of {@link #sizeClass}, cached. */
    int blockSize;
    /** Blocks that fit before the bitmap: {@code (poolSize - bitmapBytes) / blockSize}. */
    int capacity;
    /** Blocks taken out of the pool: held by users or sitting in thread caches. */
    int used;
    /** Address of the first block on the pool's free list (its first word links to the next), or 0. */
    long freeHead;
    /** Blocks carved so far: blocks at index {@code >= carved} have never been handed out (lazy carving). */
    int carved;

    /** Links in the size class's ring of partly used pools, or ({@code next} only) in the arena's unused list. */
    Pool prev;
    Pool next;
    /** True while the pool sits in its class's ring of partly used pools. */
    boolean inRing;
    /**
     * The thread cache carving from this pool, or null. A claimed pool stays out of the ring, so each cache draws
     * its blocks from a pool of its own and two threads do not flip bits in one bitmap cache line.
     */
    ThreadCache claimant;

    /** Links in the heap's oldest-first list of unused pools whose pages are still resident (arena lock). */
    Pool dirtyPrev;
    Pool dirtyNext;
    /** True while on that list. */
    boolean dirty;

    Pool(ArenaChunk arena, int index, long address) {
        this.arena = arena;
        this.index = index;
        this.address = address;
    }

    /** {@return true if the pool can hand out another block without a new pool} */
    boolean hasFreeBlock() {
        return freeHead != 0 || carved < capacity;
    }

    @Override
    public String toString() {
        return "pool " + index + " of arena 0x" + Long.toHexString(arena.base) + " at 0x" + Long.toHexString(address)
                + (sizeClass < 0 ? " (unused)" : " (" + blockSize + " B blocks, " + used + " used)");
    }
}
