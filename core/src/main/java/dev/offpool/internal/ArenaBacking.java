package dev.offpool.internal;

import java.lang.foreign.MemorySegment;

/**
 * What a {@link PooledArena} needs from its allocator: blocks that only the arena's close can free, and a way to
 * tell that the allocator has closed. Implemented inside {@code OffPool}.
 */
public interface ArenaBacking {
    /**
     * A block held by a pooled arena: where it is, the region it lies in (held, see {@link Region#addHold()}), and
     * its memory as a global-scope segment the arena re-scopes.
     *
     * @param address the block's address
     * @param region  its region, whose hold count includes this block
     * @param memory  the block's bytes, in the region's scope
     */
    record Block(long address, Region region, MemorySegment memory) {
    }

    /**
     * Allocates a zeroed block for a pooled arena and takes a hold on its region.
     *
     * @throws OutOfMemoryError       (with offpool's reason as the cause) if the allocator cannot serve the request,
     *                                as a JDK arena throws when malloc fails
     * @throws IllegalStateException  if the allocator is closed
     */
    Block allocate(long byteSize, long byteAlignment);

    /** Frees a block {@link #allocate} returned and drops its hold. */
    void free(Block block);

    /** {@return true once the allocator has closed} */
    boolean isClosed();
}
