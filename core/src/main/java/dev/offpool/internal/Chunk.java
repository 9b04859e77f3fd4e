package dev.offpool.internal;

import dev.offpool.spi.PageSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One piece of memory taken from the page source, and the scope that guards it.
 *
 * <p>The no-crash rule lives here: every access the allocator makes to block memory, and every segment it hands out,
 * goes through {@link #memory}, whose scope is closed by {@link #release()} before the memory goes back to the page
 * source. A thread that races a release (a double free racing the free that empties an arena, a free racing
 * {@code OffPool.close()}) gets {@link IllegalStateException} from the access instead of touching an unmapped page.
 * The scope is shared, so closing it costs a handshake with every thread: paid once per chunk release, never per
 * block.
 *
 * <p>A page source whose chunks already die with their own scope ({@link PageSource#closesScopeOnRelease()}) is used
 * as it is; any other is wrapped in an {@link Arena#ofShared()} of ours.
 */
public final class Chunk {
    /** The segment the page source returned: what {@link PageSource#release} and {@link PageSource#discard} take. */
    final MemorySegment original;
    /** The same memory, bound to a scope that {@link #release()} closes first. */
    public final MemorySegment memory;
    private final Arena ownScope;
    private final PageSource source;
    private final ReservedBytes reservedBytes;
    private final AtomicBoolean released = new AtomicBoolean();
    /** The region kind the chunk was taken for ({@link Region#POOLED}, {@link Region#LARGE}, {@link Region#HUGE}). */
    private final byte kind;

    Chunk(MemorySegment original, PageSource source, ReservedBytes reservedBytes, byte kind) {
        this.original = original;
        this.source = source;
        this.reservedBytes = reservedBytes;
        this.kind = kind;
        if (source.closesScopeOnRelease()) {
            this.ownScope = null;
            this.memory = original;
        } else {
            this.ownScope = Arena.ofShared();
            this.memory = original.reinterpret(ownScope, null);
        }
    }

    /** {@return the chunk's first address} */
    public long address() {
        return original.address();
    }

    /** {@return the chunk's size in bytes} */
    public long byteSize() {
        return original.byteSize();
    }

    /**
     * Asks the page source to let the OS take back {@code [offset, offset + byteSize)}; the range stays reserved.
     *
     * @return what {@link PageSource#discard} returned
     */
    public boolean discard(long offset, long byteSize) {
        return source.discard(original, offset, byteSize);
    }

    /** {@return true if discarded ranges read as zeros afterwards} */
    public boolean discardLeavesZeros() {
        return source.discardLeavesZeros();
    }

    /**
     * Closes the chunk's scope, hands the memory back to the page source and uncounts it. Runs once; later calls do
     * nothing.
     */
    public void release() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        if (ownScope != null) {
            closeWhenNotAcquired(ownScope);
        }
        reservedBytes.returnChunk(source, original, kind);
    }

    /** {@return true once {@link #release()} has run} */
    public boolean isReleased() {
        return released.get();
    }

    /**
     * A shared scope cannot close while a downcall holds it (a caller passing one of the region's segments to native
     * code): wait for the call to return, as it must for the memory to go.
     */
    static void closeWhenNotAcquired(Arena scope) {
        while (true) {
            try {
                scope.close();
                return;
            } catch (IllegalStateException acquired) {
                if (!scope.scope().isAlive()) {
                    return;
                }
                Thread.onSpinWait();
            }
        }
    }
}
