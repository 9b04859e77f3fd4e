package dev.offpool.internal;

import dev.offpool.OutOfPoolMemoryException;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes one allocator has reserved from its page source, over all tiers, against its configured limit.
 * Tiers reserve before asking the page source and release after handing a chunk back. Thread-safe, lock-free.
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
