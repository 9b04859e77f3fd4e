package dev.offpool;

/** The base of offpool's own exceptions: a call the allocator refused; the heap is exactly as it was before it. */
public class OffPoolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong */
    public OffPoolException(String message) {
        super(message);
    }

    /**
     * @param message what was wrong
     * @param cause   the underlying failure
     */
    public OffPoolException(String message, Throwable cause) {
        super(message, cause);
    }
}
