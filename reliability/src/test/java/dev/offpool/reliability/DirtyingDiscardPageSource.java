package dev.offpool.reliability;

import dev.offpool.internal.ArenaPageSource;
import dev.offpool.spi.PageSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A page source at the edge of its contract, to reach the allocator's paths that the real sources do not:
 * <ul>
 *   <li>{@link #discard} succeeds but leaves the range holding garbage ({@value #GARBAGE} in every byte), which the
 *       contract allows ("reads either as zeros or as its old contents": old contents are anything a caller wrote)
 *       and {@link #discardLeavesZeros()} admits, so a block carved from a discarded range must be zeroed by the
 *       allocator;</li>
 *   <li>{@link #closesScopeOnRelease()} says no, so the allocator wraps every chunk in a scope of its own.</li>
 * </ul>
 * Chunks come from core's own fallback source ({@link ArenaPageSource}: an {@link Arena#ofShared()} each, zero-filled
 * when reserved, as the contract requires).
 */
final class DirtyingDiscardPageSource implements PageSource {
    /** What a discarded range holds afterwards. */
    static final byte GARBAGE = (byte) 0xA5;

    private final ArenaPageSource chunks = new ArenaPageSource();

    @Override
    public MemorySegment reserve(long byteSize, long byteAlignment) {
        return chunks.reserve(byteSize, byteAlignment);
    }

    @Override
    public void release(MemorySegment chunk) {
        chunks.release(chunk);
    }

    @Override
    public boolean discard(MemorySegment chunk, long offset, long byteSize) {
        chunk.asSlice(offset, byteSize).fill(GARBAGE);
        return true;
    }

    @Override
    public boolean discardLeavesZeros() {
        return false;
    }

    @Override
    public boolean closesScopeOnRelease() {
        return false;
    }

    @Override
    public String name() {
        return "dirtying-discard";
    }
}
