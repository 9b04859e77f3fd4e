package dev.offpool.spi;

/** Thrown by a {@link PageSource} that cannot supply or release memory; the message says why (errno and all). */
public class PageSourceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed and why */
    public PageSourceException(String message) {
        super(message);
    }

    /**
     * @param message what failed and why
     * @param cause   the underlying failure
     */
    public PageSourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
