package dev.offpool;

/**
 * The large tier in a snapshot: requests above the small threshold served best-fit from large chunks.
 *
 * <p>Every byte of every chunk is in exactly one of two places, so {@link #bytesInLiveBlocks()} plus
 * {@link #bytesInFreeBlocks()} is {@link #bytesInChunks()} exactly: the tier keeps no header in chunk memory (its
 * bookkeeping is on the Java heap, estimated in {@link #heapMetadataBytes()}), padding split off in front of an
 * aligned block is a free block of its own, and a tail too small to stand alone (under 64 bytes) stays with the
 * block it follows. A live block's bytes are whole blocks: the request rounded up to 16 bytes (at least 64), plus
 * any such tail.
 *
 * @param chunkBytes           the standard chunk size
 * @param maxBlockBytes        the largest request served
 * @param chunksAllocatedTotal chunks ever taken from the page source
 * @param chunksReleased       chunks handed back to it
 * @param chunksHighwater      the most chunks held at once
 * @param chunksCurrent        chunks held now
 * @param bytesInChunks        bytes of the chunks held now (standard and sized-to-fit)
 * @param liveBlocks           blocks callers hold
 * @param bytesInLiveBlocks    bytes of those blocks
 * @param freeBlocks           free blocks (after coalescing: no two are adjacent)
 * @param bytesInFreeBlocks    bytes of free blocks
 * @param largestFreeBlock     bytes of the largest free block, 0 if none
 * @param heapMetadataBytes    estimated Java-heap bytes of the tier's bookkeeping (not in the sum)
 */
public record LargeTierStats(
        long chunkBytes,
        long maxBlockBytes,
        long chunksAllocatedTotal,
        long chunksReleased,
        long chunksHighwater,
        long chunksCurrent,
        long bytesInChunks,
        long liveBlocks,
        long bytesInLiveBlocks,
        long freeBlocks,
        long bytesInFreeBlocks,
        long largestFreeBlock,
        long heapMetadataBytes) {

    /** {@return live plus free bytes; equal to {@link #bytesInChunks()} for a consistent snapshot} */
    public long accountedBytes() {
        return bytesInLiveBlocks + bytesInFreeBlocks;
    }

    /**
     * {@return the share of free bytes outside the largest free block: {@code 1 - largest / free}, 0 when nothing is
     * free} Near 0, the free memory is one hole; near 1, it is many small ones.
     */
    public double fragmentation() {
        return bytesInFreeBlocks == 0 ? 0.0 : 1.0 - (double) largestFreeBlock / bytesInFreeBlocks;
    }

    /** {@return the snapshot as lines in the style of {@code sys._debugmallocstats()}} */
    public String toTable() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("large tier: %d-byte chunks, blocks up to %d bytes%n", chunkBytes, maxBlockBytes));
        StatsLine.append(out, "# chunks allocated total", chunksAllocatedTotal);
        StatsLine.append(out, "# chunks released", chunksReleased);
        StatsLine.append(out, "# chunks highwater mark", chunksHighwater);
        StatsLine.append(out, "# chunks allocated current", chunksCurrent);
        StatsLine.append(out, "# bytes in chunks", bytesInChunks);
        out.append('\n');
        StatsLine.append(out, "# live blocks", liveBlocks);
        StatsLine.append(out, "# bytes in live blocks", bytesInLiveBlocks);
        StatsLine.append(out, "# free blocks", freeBlocks);
        StatsLine.append(out, "# bytes in free blocks", bytesInFreeBlocks);
        StatsLine.append(out, "Total", accountedBytes());
        out.append('\n');
        StatsLine.append(out, "# largest free block", largestFreeBlock);
        StatsLine.append(out, "fragmentation (1 - largest/free)", fragmentation());
        StatsLine.append(out, "# Java-heap bytes of metadata", heapMetadataBytes);
        return out.toString();
    }
}
