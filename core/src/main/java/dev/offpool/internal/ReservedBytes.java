package dev.offpool.internal;

import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.spi.PageSource;
import dev.offpool.spi.PageSourceException;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes one allocator has reserved from its page source, over all tiers, against its configured limit, and the
 * one way the tiers take chunks from the page source and give them back ({@link #takeChunk}, {@link #returnChunk}):
 * count first, then map; unmap, then uncount. Thread-safe, lock-free.
 */
public final class ReservedBytes {
    private final long limit;
    private final AtomicLong reserved = new AtomicLong();

    /** @param limit the most bytes that may be reserved at once */
    public ReservedBytes(long limit) {
        this.limit = limit;
    }

    /**
     * Reserves {@code bytes} or throws, leaving the count unchanged.
     *
     * @param bytes what the caller is about to take from the page source
     * @param what  the request, for the message (such as {@code "a 1048576-byte arena"})
     * @throws OutOfPoolMemoryException if the limit would be passed
     */
    public void reserve(long bytes, String what) {
        long now;
        do {
            now = reserved.get();
            if (bytes > limit - now) {
                throw new OutOfPoolMemoryException("reserved-bytes limit reached: " + now + " bytes reserved, "
                        + what + " would pass the limit of " + limit + " bytes; free blocks and retry");
            }
        } while (!reserved.compareAndSet(now, now + bytes));
    }

    /**
     * Counts {@code byteSize} against the limit, then takes a chunk from {@code source}; on any failure the count is
     * as it was.
     *
     * @param what the chunk's purpose, for messages (such as {@code "1048576-byte arena"})
     * @throws OutOfPoolMemoryException if the limit would be passed or the page source refuses
     */
    public MemorySegment takeChunk(PageSource source, long byteSize, long byteAlignment, String what) {
        reserve(byteSize, "another " + what);
        try {
            return source.reserve(byteSize, byteAlignment);
        } catch (PageSourceException | OutOfMemoryError e) {
            release(byteSize);
            throw new OutOfPoolMemoryException("page source " + source.name() + " could not supply a " + what + ": "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            release(byteSize);
            throw e;
        }
    }

    /** Hands {@code chunk} back to {@code source}, then uncounts its bytes. */
    public void returnChunk(PageSource source, MemorySegment chunk) {
        long byteSize = chunk.byteSize();
        source.release(chunk);
        release(byteSize);
    }

    /** Gives back {@code bytes} reserved earlier. */
    public void release(long bytes) {
        reserved.addAndGet(-bytes);
    }

    /** {@return bytes reserved now} */
    public long current() {
        return reserved.get();
    }

    /** {@return the limit} */
    public long limit() {
        return limit;
    }
}
