package dev.offpool.internal.pool;

import dev.offpool.internal.Chunk;
import dev.offpool.internal.Region;

/**
 * One arena of a {@link PoolHeap}: a page-source chunk aligned to its size and cut into pools of one size. All
 * mutable fields are guarded by the heap's arena lock.
 */
final class PoolArena extends Region {
    final PoolHeap heap;
    /** The pools, in address order. */
    final Pool[] pools;
    /** log2 of the pool size: {@code pools[(address - base) >>> poolShift]} is the pool of an address. */
    final int poolShift;

    /** Unused pools; the arena sits in the heap's bucket of that number, or -1 before it is bucketed. */
    int unusedPoolCount;
    /** Unused pools, linked through {@link Pool#next}. */
    Pool unusedPools;
    /** Links in the heap's bucket list for {@link #unusedPoolCount}. */
    PoolArena bucketPrev;
    PoolArena bucketNext;

    PoolArena(PoolHeap heap, Chunk chunk, int poolSizeBytes) {
        super(POOLED, chunk);
        this.heap = heap;
        this.poolShift = Integer.numberOfTrailingZeros(poolSizeBytes);
        int count = (int) ((end - base) >>> poolShift);
        this.pools = new Pool[count];
        for (int i = count - 1; i >= 0; i--) {
            Pool pool = new Pool(this, i, base + ((long) i << poolShift));
            pools[i] = pool;
            pool.next = unusedPools;
            unusedPools = pool;
        }
        this.unusedPoolCount = count;
    }

    /** {@return the pool holding {@code address}, which must lie in this arena} */
    Pool poolAt(long address) {
        return pools[(int) ((address - base) >>> poolShift)];
    }

    @Override
    public String toString() {
        return "arena 0x" + Long.toHexString(base) + ".." + Long.toHexString(end) + " (" + unusedPoolCount + "/"
                + pools.length + " pools unused)";
    }
}
