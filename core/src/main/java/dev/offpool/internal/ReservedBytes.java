package dev.offpool.internal;

import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.spi.PageSource;
import dev.offpool.spi.PageSourceException;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes one allocator has reserved from its page source, over all tiers, against its configured limit, and the
 * one way the tiers take chunks from the page source and give them back ({@link #takeChunk},
 * {@link Chunk#release()}): count first, then map; unmap, then uncount. Thread-safe, lock-free.
 */
public final class ReservedBytes {
    private final long limit;
    private final PageSource source;
    private final AtomicLong reserved = new AtomicLong();

    /**
     * @param limit  the most bytes that may be reserved at once
     * @param source where chunks come from
     */
    public ReservedBytes(long limit, PageSource source) {
        this.limit = limit;
        this.source = source;
    }

    /**
     * Counts {@code byteSize} against the limit, then takes a chunk aligned to {@code byteAlignment} from the page
     * source; on any failure the count is as it was.
     *
     * @param what the chunk's purpose, for messages (such as {@code "1048576-byte arena"})
     * @throws OutOfPoolMemoryException if the limit would be passed or the page source refuses
     */
    public Chunk takeChunk(long byteSize, long byteAlignment, String what) {
        long now;
        do {
            now = reserved.get();
            if (byteSize > limit - now) {
                throw new OutOfPoolMemoryException("reserved-bytes limit reached: " + now + " bytes reserved, another "
                        + what + " would pass the limit of " + limit + " bytes; free blocks and retry");
            }
        } while (!reserved.compareAndSet(now, now + byteSize));
        MemorySegment segment;
        try {
            segment = source.reserve(byteSize, byteAlignment);
        } catch (PageSourceException | OutOfMemoryError e) {
            reserved.addAndGet(-byteSize);
            throw new OutOfPoolMemoryException("page source " + source.name() + " could not supply a " + what + ": "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            reserved.addAndGet(-byteSize);
            throw e;
        }
        if (segment.byteSize() != byteSize || (segment.address() & (byteAlignment - 1)) != 0) {
            source.release(segment);
            reserved.addAndGet(-byteSize);
            String problem = "page source " + source.name() + " returned " + segment + " for a " + what
                    + " aligned to " + byteAlignment + ": wrong size or alignment";
            throw new OutOfPoolMemoryException(problem, new PageSourceException(problem));
        }
        return new Chunk(segment, source, this);
    }

    /** Hands {@code segment} back to the page source, then uncounts it. Called by {@link Chunk#release()} only. */
    void returnChunk(PageSource pageSource, MemorySegment segment) {
        long byteSize = segment.byteSize();
        try {
            pageSource.release(segment);
        } finally {
            reserved.addAndGet(-byteSize);
        }
    }

    /** {@return bytes reserved now} */
    public long current() {
        return reserved.get();
    }

    /** {@return the limit} */
    public long limit() {
        return limit;
    }

    /** {@return the page source} */
    public PageSource source() {
        return source;
    }
}
