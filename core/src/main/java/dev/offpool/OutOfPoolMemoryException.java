package dev.offpool;

/**
 * An allocation that would take the allocator past its reserved-bytes limit, or that the page source could not
 * back. Nothing was allocated; the same request can succeed once blocks are freed.
 *
 * <p>Before an allocation fails on the limit, the allocator gives back what it only caches (the calling thread's
 * cache, dead threads' caches, the arena and chunk kept against thrashing, checked mode's quarantine) and tries once
 * more; so when this is thrown for the limit, the memory counted against it is held by live blocks, other live
 * threads' caches or the arenas those pin.
 */
public final class OutOfPoolMemoryException extends OffPoolException {
    private static final long serialVersionUID = 1L;

    /** True if the reserved-bytes limit refused; false if the page source did. */
    private final boolean limitReached;

    /**
     * An allocation the reserved-bytes limit refused.
     *
     * @param message the request, the limit and what is reserved now
     */
    public OutOfPoolMemoryException(String message) {
        super(message);
        this.limitReached = true;
    }

    /**
     * An allocation the page source could not back.
     *
     * @param message the request and what failed
     * @param cause   the page source's failure
     */
    public OutOfPoolMemoryException(String message, Throwable cause) {
        super(message, cause);
        this.limitReached = false;
    }

    /** {@return true if the reserved-bytes limit refused the request; false if the page source did} */
    public boolean limitReached() {
        return limitReached;
    }
}
