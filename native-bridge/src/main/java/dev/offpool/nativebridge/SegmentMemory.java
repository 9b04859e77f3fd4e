package dev.offpool.nativebridge;

import java.lang.foreign.MemorySegment;

/**
 * A JNA {@code Memory} view of a native {@link MemorySegment} (what {@link PooledJna#pointerTo(MemorySegment)}
 * returns): bounded by the segment's size and alive while the segment's scope is.
 *
 * <p>Every access goes through the segment itself, so the JDK's own checks apply on top of the range check: after the
 * segment's arena closes an access throws {@link IllegalStateException}, a confined arena's segment throws
 * {@link WrongThreadException} on another thread, and an access racing a shared arena's close either completes or
 * throws (the JDK's close handshake). What the JDK cannot see is native code: a JNA call is given the address, and
 * nothing holds the arena open while it runs (see {@link PooledJna}).
 *
 * <p>{@code close()} invalidates this view only; the memory belongs to the segment's arena or allocator.
 */
final class SegmentMemory extends CheckedMemory {
    private final MemorySegment segment;
    private volatile boolean closed;

    SegmentMemory(MemorySegment segment) {
        this.segment = segment;
        this.peer = segment.address();
        this.size = segment.byteSize();
    }

    /** {@return the segment this view reads and writes} */
    MemorySegment segment() {
        return segment;
    }

    @Override
    MemorySegment acquire() {
        if (!isOpen()) {
            throw closedException();
        }
        return segment;
    }

    @Override
    void release() {
        // Nothing is held: the JDK checks the scope at each access.
    }

    @Override
    CheckedMemory view(long offset, long byteCount) {
        return new SegmentMemory(segment.asSlice(offset, byteCount));
    }

    @Override
    MemorySegment scopedSegment() {
        return acquire();
    }

    @Override
    boolean isOpen() {
        return !closed && segment.scope().isAlive();
    }

    @Override
    String describe() {
        return "the " + size + "-byte segment view at 0x" + Long.toHexString(segment.address());
    }

    /** Invalidates this view; the segment's memory is its arena's or allocator's to release. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "segment@0x" + Long.toHexString(segment.address()) + " (" + size + " bytes"
                + (isOpen() ? ")" : ", closed)");
    }
}
