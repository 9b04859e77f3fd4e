package dev.offpool.internal;

import dev.offpool.spi.PageSource;
import dev.offpool.spi.PageSourceException;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A page source for tests that discards the way an OS source does, as far as the allocator can tell: a discarded
 * range reads as zeros afterwards (it is zero-filled here). Chunks come from {@link ArenaPageSource}; reserves can be
 * refused on demand, to make the page source fail.
 */
public final class DiscardingPageSource implements PageSource {
    private final ArenaPageSource delegate = new ArenaPageSource();
    private final AtomicLong discardedBytes = new AtomicLong();
    private volatile boolean refusing;

    /** Makes later {@link #reserve} calls fail with {@link PageSourceException} (or succeed again). */
    public void refuse(boolean refuse) {
        this.refusing = refuse;
    }

    /** {@return bytes {@link #discard} has been asked to hand back, ever} */
    public long discardedBytes() {
        return discardedBytes.get();
    }

    @Override
    public MemorySegment reserve(long byteSize, long byteAlignment) {
        if (refusing) {
            throw new PageSourceException("test source refuses " + byteSize + " bytes");
        }
        return delegate.reserve(byteSize, byteAlignment);
    }

    @Override
    public void release(MemorySegment chunk) {
        delegate.release(chunk);
    }

    @Override
    public boolean discard(MemorySegment chunk, long offset, long byteSize) {
        chunk.asSlice(offset, byteSize).fill((byte) 0);
        discardedBytes.addAndGet(byteSize);
        return true;
    }

    @Override
    public boolean discardLeavesZeros() {
        return true;
    }

    @Override
    public boolean closesScopeOnRelease() {
        return true;
    }

    @Override
    public String name() {
        return "discarding";
    }
}
