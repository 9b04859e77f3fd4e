package dev.offpool.spi;

import java.lang.foreign.MemorySegment;

/**
 * Where arena memory comes from: a few large, aligned, zero-filled chunks, reserved and released whole.
 *
 * <p>The allocator asks for a chunk each time it opens an arena and hands the same segment back to
 * {@link #release(MemorySegment)} when the arena is empty (or the allocator is closed). Between the two it may call
 * {@link #discard(MemorySegment, long, long)} to tell the source that a page-aligned range holds nothing of value,
 * so a source backed by the OS can return those pages while keeping the range reserved.
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader}; the one with the highest {@link #priority()}
 * wins, and core falls back to {@code Arena.ofShared()} chunks when none is on the path. Implementations must be
 * thread-safe.
 */
public interface PageSource {

    /**
     * Reserves a chunk.
     *
     * @param byteSize      the chunk's size in bytes, a positive multiple of {@link #pageSize()}
     * @param byteAlignment a power of two, possibly larger than the size (arenas are aligned to their own size);
     *                      the returned segment's address is a multiple of it
     * @return a native, zero-filled segment of exactly {@code byteSize} bytes
     * @throws PageSourceException if the memory cannot be had (the allocator turns this into a clean failure)
     */
    MemorySegment reserve(long byteSize, long byteAlignment);

    /**
     * Releases a chunk returned by {@link #reserve}; the segment (and every slice of it) must not be used afterwards.
     *
     * @param chunk the segment {@link #reserve} returned, unchanged
     */
    void release(MemorySegment chunk);

    /**
     * Declares {@code [offset, offset + byteSize)} of {@code chunk} unused: the source may give its physical pages
     * back to the OS. The range stays reserved; when touched again it reads either as zeros or as its old contents
     * (callers must not rely on either). The default does nothing and returns false.
     *
     * @param chunk    a chunk returned by {@link #reserve}
     * @param offset   a multiple of {@link #pageSize()}
     * @param byteSize a multiple of {@link #pageSize()}
     * @return true if the pages were handed back; false if this source cannot discard at all (the allocator then
     *         stops asking)
     */
    default boolean discard(MemorySegment chunk, long offset, long byteSize) {
        return false;
    }

    /**
     * {@return true if a range {@link #discard} handed back reads as zeros when touched again} The allocator then
     * hands blocks carved from it out without clearing them. The default says no, which is always safe.
     */
    default boolean discardLeavesZeros() {
        return false;
    }

    /**
     * {@return true if every chunk {@link #reserve} returns is bound to a scope that {@link #release} closes before
     * the memory goes} The allocator relies on such a scope to turn a stale access into
     * {@link IllegalStateException} rather than a crash; for a source that says no (the default), it wraps each chunk
     * in a shared scope of its own and closes that first.
     */
    default boolean closesScopeOnRelease() {
        return false;
    }

    /** {@return the granularity of {@link #discard}, in bytes} */
    default long pageSize() {
        return 4096;
    }

    /** {@return a short name for stats and logs, such as {@code "mmap"}} */
    String name();

    /** {@return the preference among sources found by {@code ServiceLoader}; higher wins} */
    default int priority() {
        return 0;
    }
}
