package dev.offpool;

/**
 * An allocation that would take the allocator past its reserved-bytes limit, or that the page source could not
 * back. Nothing was allocated; the same request can succeed once blocks are freed.
 */
public final class OutOfPoolMemoryException extends OffPoolException {
    private static final long serialVersionUID = 1L;

    /** @param message the request, the limit and what is reserved now */
    public OutOfPoolMemoryException(String message) {
        super(message);
    }

    /**
     * @param message the request and what failed
     * @param cause   the page source's failure
     */
    public OutOfPoolMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
