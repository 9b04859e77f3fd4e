package dev.offpool.internal;

import java.lang.foreign.MemorySegment;

/**
 * One arena: a chunk from the page source cut into pools. All mutable fields are guarded by the heap's arena lock.
 */
final class ArenaChunk {
    /** The chunk as the page source returned it; handed back on release. */
    final MemorySegment chunk;
    /** Address of the first pool (the chunk's first pool-aligned address). */
    final long base;
    /** One past the last byte of the last pool. */
    final long end;
    /** Bytes of the chunk before the first and after the last whole pool. */
    final long alignmentLossBytes;
    /** The pools, in address order. */
    final Pool[] pools;

    /** Pools not serving any class; the arena sits in the heap's bucket of that number. */
    int freePoolCount;
    /** Unused pools, linked through {@link Pool#next}. */
    Pool freePools;
    /** Links in the heap's bucket list for {@link #freePoolCount}. */
    ArenaChunk bucketPrev;
    ArenaChunk bucketNext;

    ArenaChunk(MemorySegment chunk, int poolSizeBytes, int poolsWanted) {
        this.chunk = chunk;
        long start = chunk.address();
        long alignedStart = (start + poolSizeBytes - 1) & -(long) poolSizeBytes;
        int fit = (int) Math.min(poolsWanted, (start + chunk.byteSize() - alignedStart) / poolSizeBytes);
        this.base = alignedStart;
        this.end = alignedStart + (long) fit * poolSizeBytes;
        this.alignmentLossBytes = chunk.byteSize() - (long) fit * poolSizeBytes;
        this.pools = new Pool[fit];
        for (int i = fit - 1; i >= 0; i--) {
            Pool pool = new Pool(this, i, alignedStart + (long) i * poolSizeBytes);
            pool.next = freePools;
            freePools = pool;
        }
        for (Pool p = freePools; p != null; p = p.next) {
            pools[p.index] = p;
        }
        this.freePoolCount = fit;
    }

    /** {@return true if {@code address} lies inside this arena's pools} */
    boolean contains(long address) {
        return address >= base && address < end;
    }

    @Override
    public String toString() {
        return "arena 0x" + Long.toHexString(base) + ".." + Long.toHexString(end) + " (" + freePoolCount + "/"
                + pools.length + " pools free)";
    }
}
