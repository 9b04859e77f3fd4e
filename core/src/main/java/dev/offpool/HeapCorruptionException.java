package dev.offpool;

/** Thrown by {@link OffPool#verify()} when an invariant of the heap does not hold; the message names it exactly. */
public final class HeapCorruptionException extends OffPoolException {
    private static final long serialVersionUID = 1L;

    /** @param message the broken invariant, with the arena, pool and block it was found at */
    public HeapCorruptionException(String message) {
        super(message);
    }
}
