package dev.offpool.nativebridge;

import java.util.Locale;

/**
 * How {@link MmapPageSource#discard} hands pages back: the {@code madvise} advice it gives.
 *
 * <pre>{@code
 * PageSource source = new MmapPageSource(DiscardAdvice.FREE);     // or -Doffpool.madvise=free
 * }</pre>
 *
 * <p>The two trade the moment memory leaves the process against the cost of touching the pages again; see
 * {@link MmapPageSource} for the measurement behind the default.
 */
public enum DiscardAdvice {
    /**
     * {@code MADV_DONTNEED}: the pages leave the process at once (RSS falls during the call) and read as zero when
     * touched again, at the cost of a page fault and zero-fill per page on reuse. The default.
     */
    DONTNEED(OsMemory.MADV_DONTNEED),
    /**
     * {@code MADV_FREE} (Linux 4.5+): the kernel takes the pages only under memory pressure, so RSS stays where it
     * was until then; a page written again before that is simply kept, with no fault. A discarded page reads as
     * zero or as its old contents, page by page, so {@code discard} reports {@code false} (an allocator that takes
     * {@code false} to mean "cannot discard" will stop discarding after the first call).
     */
    FREE(OsMemory.MADV_FREE);

    /** The {@code madvise} advice value. */
    final int madvise;

    DiscardAdvice(int madvise) {
        this.madvise = madvise;
    }

    /**
     * {@return the advice named by {@code text}, case-insensitively: {@code "dontneed"} or {@code "free"}}
     *
     * @param text the value of {@link MmapPageSource#MADVISE_PROPERTY}, or {@code null} for the default
     * @throws IllegalArgumentException for any other text, naming it and the accepted values
     */
    public static DiscardAdvice parse(String text) {
        if (text == null || text.isBlank()) {
            return DONTNEED;
        }
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "dontneed" -> DONTNEED;
            case "free" -> FREE;
            default -> throw new IllegalArgumentException(MmapPageSource.MADVISE_PROPERTY + " must be dontneed or"
                    + " free, was \"" + text + "\"");
        };
    }
}
