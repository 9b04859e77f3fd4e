package dev.offpool.internal;

import dev.offpool.HugeTierStats;
import dev.offpool.InvalidFreeException;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.spi.PageSource;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The huge tier: each allocation is its own page-source chunk (an mmap with native-bridge), released on free.
 * Fresh chunks are zero-filled by the page source's contract, so nothing is zeroed here.
 *
 * <p>Live blocks sit in a concurrent skip list keyed by address: free is one atomic remove (so two racing frees of
 * one block cannot both succeed), and a miss is told apart from an interior address by the floor entry. No lock.
 */
public final class HugeHeap {
    private record Mapping(MemorySegment chunk, long requestedBytes) {
    }

    private final PageSource pageSource;
    private final ReservedBytes reservedBytes;
    private final ConcurrentSkipListMap<Long, Mapping> live = new ConcurrentSkipListMap<>();
    private final AtomicLong allocatedTotal = new AtomicLong();
    private final AtomicLong freedTotal = new AtomicLong();

    /**
     * @param pageSource    where mappings come from
     * @param reservedBytes the allocator's shared reservation count
     */
    public HugeHeap(PageSource pageSource, ReservedBytes reservedBytes) {
        this.pageSource = pageSource;
        this.reservedBytes = reservedBytes;
    }

    /**
     * Maps a zeroed block of at least {@code byteSize} bytes at a multiple of {@code byteAlignment}.
     *
     * @return its address
     * @throws OutOfPoolMemoryException if the reserved-bytes limit or the page source refuses; nothing changes then
     */
    public long allocate(long byteSize, long byteAlignment) {
        long page = pageSource.pageSize();
        long bytes = (byteSize + page - 1) & -page;
        if (bytes < byteSize) {
            throw new OutOfPoolMemoryException("size " + byteSize + " cannot be rounded up to whole pages");
        }
        MemorySegment chunk = reservedBytes.takeChunk(pageSource, bytes, Math.max(page, byteAlignment),
                bytes + "-byte huge block");
        live.put(chunk.address(), new Mapping(chunk, byteSize));
        allocatedTotal.incrementAndGet();
        return chunk.address();
    }

    /** {@return true if {@code address} lies in a live huge block} */
    public boolean owns(long address) {
        Map.Entry<Long, Mapping> e = live.floorEntry(address);
        return e != null && address - e.getKey() < e.getValue().chunk.byteSize();
    }

    /** {@return the usable size of the live huge block starting at {@code address}, or -1} No side effects. */
    public long usableSize(long address) {
        Mapping m = live.get(address);
        return m == null ? -1 : m.chunk.byteSize();
    }

    /**
     * Unmaps the live huge block starting at {@code address}.
     *
     * @return its mapped size, or -1 if no huge block contains the address (it is not this tier's)
     * @throws InvalidFreeException if the address lies inside a live huge block; nothing changes then
     */
    public long free(long address) {
        Mapping m = live.remove(address);
        if (m == null) {
            Map.Entry<Long, Mapping> e = live.floorEntry(address);
            if (e != null && address - e.getKey() < e.getValue().chunk.byteSize()) {
                throw new InvalidFreeException("free of 0x" + Long.toHexString(address) + ": it is "
                        + (address - e.getKey()) + " bytes inside the huge block at 0x" + Long.toHexString(e.getKey())
                        + "; free takes the address allocate returned, not a slice");
            }
            return -1;
        }
        long bytes = m.chunk.byteSize();
        reservedBytes.returnChunk(pageSource, m.chunk);
        freedTotal.incrementAndGet();
        return bytes;
    }

    /** {@return a snapshot of the tier} */
    public HugeTierStats stats() {
        long blocks = 0;
        long mapped = 0;
        long requested = 0;
        for (Mapping m : live.values()) {
            blocks++;
            mapped += m.chunk.byteSize();
            requested += m.requestedBytes;
        }
        return new HugeTierStats(blocks, mapped, requested, allocatedTotal.get(), freedTotal.get());
    }

    /** Unmaps every live huge block. */
    public void close() {
        for (Long address : live.keySet()) {
            free(address);
        }
    }
}
