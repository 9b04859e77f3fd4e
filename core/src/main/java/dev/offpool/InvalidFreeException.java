package dev.offpool;

/**
 * A free (or reallocate) of something that is not a live block of this allocator: an address it never handed out,
 * an address inside a block, a block already freed, or a segment that belongs to a pooled {@code Arena}. Nothing
 * was changed.
 */
public final class InvalidFreeException extends OffPoolException {
    private static final long serialVersionUID = 1L;

    /** @param message which address, and what it was instead of a live block */
    public InvalidFreeException(String message) {
        super(message);
    }
}
