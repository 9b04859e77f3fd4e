package dev.offpool.reliability;

import dev.offpool.internal.ArenaPageSource;
import dev.offpool.nativebridge.DiscardAdvice;
import dev.offpool.nativebridge.MmapPageSource;
import dev.offpool.spi.PageSource;

import java.util.function.Supplier;

/**
 * The page sources the suites run on. What the source says about itself changes what the allocator does: whether it
 * discards unused pools, whether a discarded pool may skip zeroing, and whether the allocator wraps chunks in scopes
 * of its own.
 */
enum PageSources {
    /** native-bridge's default, the one a deployment gets: discards with MADV_DONTNEED, which leaves zeros. */
    MMAP(() -> new MmapPageSource(DiscardAdvice.DONTNEED)),
    /** MADV_FREE: a discard may leave old contents, and reports false, so the allocator stops discarding. */
    MMAP_MADV_FREE(() -> new MmapPageSource(DiscardAdvice.FREE)),
    /** Core's own fallback: JDK arenas, no discard. */
    JDK_ARENAS(ArenaPageSource::new),
    /** Discards that leave garbage, and chunks the allocator must scope itself. */
    DIRTYING_DISCARD(DirtyingDiscardPageSource::new);

    private final Supplier<PageSource> factory;

    PageSources(Supplier<PageSource> factory) {
        this.factory = factory;
    }

    /** {@return a new source of this kind} */
    PageSource create() {
        return factory.get();
    }
}
