package dev.offpool.benchmarks.large;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The textbook baseline the large tier is measured against: one region, an address-ordered singly linked list of free
 * blocks walked from the head, first fit, splitting, and coalescing with both neighbours on free. Allocation and free
 * are both {@code O(free blocks)}: allocation walks to the first block that fits, free walks to the block's place in
 * address order.
 *
 * <pre>
 *  region = one segment; every block starts with a 16-byte header holding its whole size
 *  +--------+------------+--------+----------------+--------+--------------------------------+
 *  | 1040   | payload    | 2064   | next | (free)  | 528    | payload ...                    |
 *  +--------+------------+--------+----------------+--------+--------------------------------+
 *  ^ head of the free list ------------^  (first word after a free block's header: next free block, 0 ends)
 * </pre>
 *
 * <p>Like its textbook models it trusts its caller: freeing anything but a live block start corrupts it. Not
 * thread-safe. Payloads are 16-byte aligned and zeroed over the requested size, as the large tier's are.
 */
public final class FirstFitHeap implements AutoCloseable {
    /** Header before every payload: the block's whole size, then padding to keep payloads 16-byte aligned. */
    static final long HEADER_BYTES = 16;
    /** The smallest block: a header and a 16-byte payload (room for the free-list link). */
    static final long MIN_BLOCK_BYTES = 32;
    private static final long NONE = -1;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment region;
    /** Offset of the lowest free block, or {@link #NONE}. */
    private long head;

    /** @param capacityBytes the region's size; allocations fail once it is used up or too fragmented */
    public FirstFitHeap(long capacityBytes) {
        long capacity = capacityBytes & -16L;
        if (capacity < MIN_BLOCK_BYTES) {
            throw new IllegalArgumentException("capacity must hold one block, was " + capacityBytes);
        }
        region = arena.allocate(capacity, 16);
        setSize(0, capacity);
        setNext(0, NONE);
        head = 0;
    }

    /**
     * {@return the address of a zeroed payload of {@code byteSize} bytes} Walks the free list from the head to the
     * first block that fits, and splits off its tail when that leaves at least a minimum block.
     *
     * @throws IllegalStateException if no free block fits
     */
    public long allocate(long byteSize) {
        if (byteSize <= 0) {
            throw new IllegalArgumentException("size must be positive, was " + byteSize);
        }
        long need = Math.max(MIN_BLOCK_BYTES, HEADER_BYTES + ((byteSize + 15) & -16L));
        long previous = NONE;
        for (long block = head; block != NONE; previous = block, block = next(block)) {
            long size = size(block);
            if (size < need) {
                continue;
            }
            long replacement;
            if (size - need >= MIN_BLOCK_BYTES) {
                replacement = block + need; // the tail stays free, in the block's place in the list
                setSize(replacement, size - need);
                setNext(replacement, next(block));
                setSize(block, need);
            } else {
                replacement = next(block);
            }
            if (previous == NONE) {
                head = replacement;
            } else {
                setNext(previous, replacement);
            }
            region.asSlice(block + HEADER_BYTES, byteSize).fill((byte) 0);
            return region.address() + block + HEADER_BYTES;
        }
        throw new IllegalStateException("no free block of " + need + " bytes");
    }

    /**
     * Frees the block whose payload starts at {@code address}: walks the list to its place in address order and
     * merges it with the free blocks right before and after it when they touch it.
     *
     * @return the block's whole size
     */
    public long free(long address) {
        long block = address - region.address() - HEADER_BYTES;
        long size = size(block);
        long previous = NONE;
        long after = head;
        while (after != NONE && after < block) {
            previous = after;
            after = next(after);
        }
        if (after != NONE && block + size == after) {
            setSize(block, size + size(after));
            setNext(block, next(after));
        } else {
            setNext(block, after);
        }
        if (previous != NONE && previous + size(previous) == block) {
            setSize(previous, size(previous) + size(block));
            setNext(previous, next(block));
        } else if (previous == NONE) {
            head = block;
        } else {
            setNext(previous, block);
        }
        return size;
    }

    /** {@return the number of free blocks} Walks the list. */
    public int freeBlockCount() {
        int n = 0;
        for (long block = head; block != NONE; block = next(block)) {
            n++;
        }
        return n;
    }

    /** {@return the free bytes, headers included} Walks the list. */
    public long freeBytes() {
        long bytes = 0;
        for (long block = head; block != NONE; block = next(block)) {
            bytes += size(block);
        }
        return bytes;
    }

    /** Releases the region; every address it handed out becomes invalid. */
    @Override
    public void close() {
        arena.close();
    }

    private long size(long block) {
        return region.get(ValueLayout.JAVA_LONG, block);
    }

    private void setSize(long block, long size) {
        region.set(ValueLayout.JAVA_LONG, block, size);
    }

    private long next(long block) {
        return region.get(ValueLayout.JAVA_LONG, block + HEADER_BYTES);
    }

    private void setNext(long block, long next) {
        region.set(ValueLayout.JAVA_LONG, block + HEADER_BYTES, next);
    }
}
