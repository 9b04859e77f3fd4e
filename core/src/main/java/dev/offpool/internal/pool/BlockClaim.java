package dev.offpool.internal.pool;

/**
 * A pooled block a reallocate has taken out of reach of every other free and reallocate (state {@code BUSY}) while
 * it decides whether the block stays or moves. Exactly one of {@link PoolTier#finishInPlace},
 * {@link PoolTier#unclaim} or {@link PoolTier#releaseClaimed} ends it.
 */
public final class BlockClaim {
    final Pool pool;
    final BlockTable table;
    final int index;
    final long address;
    final byte previous;

    BlockClaim(Pool pool, BlockTable table, int index, long address, byte previous) {
        this.pool = pool;
        this.table = table;
        this.index = index;
        this.address = address;
        this.previous = previous;
    }

    /** {@return the block's size} */
    public int blockSize() {
        return table.blockSize;
    }

    /** {@return the block's size class} */
    public int sizeClass() {
        return table.sizeClass;
    }

    /** {@return true if the block was allocated with an alignment above 16 or reallocated in place before} */
    public boolean sizedFreely() {
        return previous == BlockTable.LIVE_ALIGNED || previous == BlockTable.RESIZED;
    }
}
