package dev.offpool.internal;

import dev.offpool.InvalidFreeException;

/**
 * The one validation rule per kind of request, and the one wording per kind of misuse, shared by every tier: a
 * caller sees the same message for the same mistake whichever tier the address or size falls in.
 */
public final class Requests {
    /** The largest alignment served (the huge tier over-maps to reach it). */
    public static final long MAX_ALIGNMENT_BYTES = 1L << 30;

    private Requests() {
    }

    /**
     * Checks a raw-path size and an alignment.
     *
     * @throws IllegalArgumentException if {@code byteSize} is not in {@code 1..maxAllocationBytes}, or
     *                                  {@code byteAlignment} is not a power of two up to {@link #MAX_ALIGNMENT_BYTES}
     */
    public static void check(long byteSize, long byteAlignment, long maxAllocationBytes) {
        if (byteSize <= 0 || byteSize > maxAllocationBytes) {
            throw badSize(byteSize, maxAllocationBytes);
        }
        checkAlignment(byteAlignment);
    }

    /** @throws IllegalArgumentException if {@code byteAlignment} is not a power of two up to the largest served */
    public static void checkAlignment(long byteAlignment) {
        if (byteAlignment <= 0 || (byteAlignment & (byteAlignment - 1)) != 0) {
            throw new IllegalArgumentException("alignment must be a power of two, was " + byteAlignment);
        }
        if (byteAlignment > MAX_ALIGNMENT_BYTES) {
            throw new IllegalArgumentException("alignment " + byteAlignment + " is over the largest served, "
                    + MAX_ALIGNMENT_BYTES + " bytes");
        }
    }

    /** {@return the exception for a size outside {@code 1..maxAllocationBytes}} */
    public static IllegalArgumentException badSize(long byteSize, long maxAllocationBytes) {
        if (byteSize <= 0) {
            return new IllegalArgumentException("size must be positive, was " + byteSize);
        }
        return new IllegalArgumentException("size " + byteSize + " is over the largest allocation, "
                + maxAllocationBytes + " bytes (maxAllocationBytes)");
    }

    /** {@return the exception for any call on a closed allocator} */
    public static IllegalStateException closed() {
        return new IllegalStateException("allocator is closed");
    }

    // ---- invalid frees: one wording each ----------------------------------------------------------------------

    /** {@return "not ours"} */
    public static InvalidFreeException foreign(String op, long address) {
        return new InvalidFreeException(op + " of " + hex(address) + ": not an address this allocator handed out (it "
                + "lies in none of its arenas, chunks or mappings), or a huge block already freed");
    }

    /** {@return "already free"} */
    public static InvalidFreeException notAllocated(String op, long address, long blockSize) {
        String block = blockSize > 0 ? "the " + blockSize + "-byte block there" : "the block there (in an unused pool)";
        return new InvalidFreeException((op.equals("free") ? "double free" : op) + " of " + hex(address) + ": "
                + block + " is not allocated (already freed, or never handed out)");
    }

    /** {@return "inside a block"} */
    public static InvalidFreeException interior(String op, long address, long blockStart, long blockSize) {
        return new InvalidFreeException(op + " of " + hex(address) + ": it is " + (address - blockStart)
                + " bytes inside the " + blockSize + "-byte block at " + hex(blockStart) + "; " + op
                + " takes the address allocate returned, not a slice");
    }

    /** {@return "a segment whose size this block cannot have"} */
    public static InvalidFreeException wrongSize(String op, long address, long segmentBytes, String blockDescription) {
        return new InvalidFreeException(op + " of a segment of " + segmentBytes + " bytes at " + hex(address) + ": "
                + blockDescription + ", which no allocation of " + segmentBytes + " bytes returns; " + op
                + " takes the segment allocate returned, not a slice of it");
    }

    /** {@return "a block a pooled Arena holds"} */
    public static InvalidFreeException arenaBlock(String op, long address) {
        return new InvalidFreeException(op + " of " + hex(address) + ": the block belongs to an open pooled Arena; "
                + "close the arena instead");
    }

    /** {@return "another thread is reallocating it"} */
    public static InvalidFreeException busy(String op, long address) {
        return new InvalidFreeException(op + " of " + hex(address) + ": another thread is reallocating this block "
                + "right now, so it is not this caller's to " + op);
    }

    /** {@return "a segment of another scope"} */
    public static InvalidFreeException foreignScope(String op, long address) {
        return new InvalidFreeException(op + " of a segment at " + hex(address) + " bound to a scope this allocator "
                + "did not give it (a pooled Arena's segment dies with its arena; close the arena instead)");
    }

    /** {@return "a heap segment"} */
    public static InvalidFreeException heapSegment(String op) {
        return new InvalidFreeException(op + " of a heap segment: only native segments this allocator returned can "
                + "be freed");
    }

    /** {@return "a zero-length segment"} */
    public static InvalidFreeException emptySegment(String op, long address) {
        return new InvalidFreeException(op + " of a zero-length segment at " + hex(address) + ": not a block (a "
                + "zero-byte allocation is no block and needs no free)");
    }

    /** {@return the address as {@code 0x...}} */
    public static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }
}
