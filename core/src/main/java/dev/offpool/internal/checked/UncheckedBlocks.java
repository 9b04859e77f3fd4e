package dev.offpool.internal.checked;

import java.lang.foreign.MemorySegment;

/** The allocator's own operations, beneath checked mode: what {@link CheckedHeap} builds its guarded blocks from. */
public interface UncheckedBlocks {
    /**
     * Allocates a block of any tier; the arguments are already validated.
     *
     * @param zero whether the block must read as zero
     * @return its address
     */
    long allocate(long byteSize, long byteAlignment, boolean zero);

    /** Frees a block {@link #allocate} returned. */
    void free(long address);

    /** {@return the bytes of the live block at {@code address}, in its region's scope} */
    MemorySegment memory(long address, long byteSize);
}
