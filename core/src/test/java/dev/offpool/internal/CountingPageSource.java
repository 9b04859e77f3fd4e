package dev.offpool.internal;

import dev.offpool.spi.PageSource;
import dev.offpool.spi.PageSourceException;

import java.lang.foreign.MemorySegment;

/** A page source for tests: chunks from {@link ArenaPageSource}, counted, and refused on demand. */
public final class CountingPageSource implements PageSource {
    private final ArenaPageSource delegate = new ArenaPageSource();
    private int outstandingChunks;
    private long outstandingBytes;
    private int reserves;
    private boolean refusing;

    /** Makes later {@link #reserve} calls fail (or succeed again). */
    public synchronized void refuse(boolean refuse) {
        this.refusing = refuse;
    }

    @Override
    public synchronized MemorySegment reserve(long byteSize, long byteAlignment) {
        if (refusing) {
            throw new PageSourceException("test source refuses " + byteSize + " bytes");
        }
        MemorySegment chunk = delegate.reserve(byteSize, byteAlignment);
        if (chunk.address() % byteAlignment != 0 || chunk.byteSize() != byteSize) {
            throw new AssertionError("delegate broke the page-source contract");
        }
        reserves++;
        outstandingChunks++;
        outstandingBytes += byteSize;
        return chunk;
    }

    @Override
    public synchronized void release(MemorySegment chunk) {
        delegate.release(chunk);
        outstandingChunks--;
        outstandingBytes -= chunk.byteSize();
    }

    public synchronized int outstandingChunks() {
        return outstandingChunks;
    }

    public synchronized long outstandingBytes() {
        return outstandingBytes;
    }

    public synchronized int reserves() {
        return reserves;
    }

    @Override
    public boolean closesScopeOnRelease() {
        return true;
    }

    @Override
    public String name() {
        return "counting";
    }
}
