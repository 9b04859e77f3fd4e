package dev.offpool.internal.large;

import dev.offpool.internal.Chunk;
import dev.offpool.internal.Region;

/**
 * One chunk of the large tier: a page-source chunk tiled by blocks, and the two on-heap bitmaps that say where its
 * blocks start and which of them callers hold (the layout picture is in {@link LargeHeap}). Every mutable field is
 * guarded by the heap's lock.
 */
final class LargeChunk extends Region {
    /** Bit g set iff a block, live or free, starts at granule g ({@code base + g * 16}); bit 0 is always set. */
    final GranuleBitmap blockStarts;
    /** Bit g set iff a caller holds the block starting at granule g: the authority free consults. */
    final GranuleBitmap liveStarts;

    /** Blocks callers hold; 0 means the chunk is one free block. */
    long liveBlocks;
    /** Bytes of the blocks callers hold (whole blocks). */
    long liveBytes;

    LargeChunk(Chunk chunk) {
        super(LARGE, chunk);
        int granules = (int) ((end - base) >>> LargeHeap.GRANULE_SHIFT);
        this.blockStarts = new GranuleBitmap(granules);
        this.liveStarts = new GranuleBitmap(granules);
    }

    /** {@return the chunk's size in bytes} */
    long bytes() {
        return end - base;
    }

    /** {@return the granule index of {@code address}, which must lie inside the chunk} */
    int granuleOf(long address) {
        return (int) ((address - base) >>> LargeHeap.GRANULE_SHIFT);
    }

    /** {@return the address of granule {@code granule}} */
    long addressOf(int granule) {
        return base + ((long) granule << LargeHeap.GRANULE_SHIFT);
    }

    /** {@return the end of the block starting at granule {@code start}: the next block's start, or the chunk end} */
    long blockEnd(int start) {
        int next = blockStarts.nextSetBit(start + 1);
        return next < 0 ? end : addressOf(next);
    }

    /** {@return estimated Java-heap bytes of this object and its bitmaps} */
    long heapBytes() {
        return 64 + blockStarts.heapBytes() + liveStarts.heapBytes();
    }

    @Override
    public String toString() {
        return "large chunk 0x" + Long.toHexString(base) + ".." + Long.toHexString(end) + " (" + liveBlocks
                + " live blocks)";
    }
}
