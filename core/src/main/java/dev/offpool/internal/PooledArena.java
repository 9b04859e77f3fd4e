package dev.offpool.internal;

import dev.offpool.OffPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A {@link java.lang.foreign.Arena} whose memory comes from an {@link OffPool}.
 *
 * <p>The segments' lifetime is a real JDK arena's scope ({@code Arena.ofConfined()} or {@code Arena.ofShared()},
 * which allocates nothing itself): closing it makes every segment inaccessible through the JDK's own checks, then
 * every block goes back to the pools. Confined arenas keep the owner-thread rules of their scope; shared ones guard
 * their block list with the arena's monitor.
 */
public final class PooledArena implements Arena {
    private final OffPool allocator;
    private final Arena scope;
    private final boolean shared;
    /** The opening thread of a confined arena; null for a shared one. */
    private final Thread owner;
    private long[] blocks = new long[8];
    private int count;

    /**
     * @param allocator where blocks come from
     * @param scope     a fresh JDK arena used only for its scope
     * @param shared    whether {@code scope} is shared
     */
    public PooledArena(OffPool allocator, Arena scope, boolean shared) {
        this.allocator = allocator;
        this.scope = scope;
        this.shared = shared;
        this.owner = shared ? null : Thread.currentThread();
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("size must not be negative, was " + byteSize);
        }
        if (!shared) {
            return allocateLocked(byteSize, byteAlignment);
        }
        synchronized (this) {
            return allocateLocked(byteSize, byteAlignment);
        }
    }

    private MemorySegment allocateLocked(long byteSize, long byteAlignment) {
        MemorySegment.Scope s = scope.scope();
        if (!s.isAlive()) {
            throw new IllegalStateException("arena is closed");
        }
        if (owner != null && owner != Thread.currentThread()) {
            throw new WrongThreadException("confined arena used by a thread other than its owner");
        }
        if (byteSize == 0) {
            if (byteAlignment <= 0 || (byteAlignment & (byteAlignment - 1)) != 0) {
                throw new IllegalArgumentException("alignment must be a power of two, was " + byteAlignment);
            }
            return MemorySegment.NULL.reinterpret(0, scope, null);
        }
        long address = allocator.allocateAddress(byteSize, byteAlignment);
        if (count == blocks.length) {
            blocks = Arrays.copyOf(blocks, count * 2);
        }
        blocks[count++] = address;
        return NativeMemory.segment(address, byteSize).reinterpret(scope, null);
    }

    @Override
    public MemorySegment.Scope scope() {
        return scope.scope();
    }

    /**
     * Invalidates every segment of this arena, then frees every block.
     *
     * @throws IllegalStateException if already closed
     * @throws WrongThreadException  if confined and called from another thread
     */
    @Override
    public void close() {
        if (!shared) {
            closeLocked();
            return;
        }
        synchronized (this) {
            closeLocked();
        }
    }

    private void closeLocked() {
        scope.close();
        for (int i = 0; i < count; i++) {
            allocator.freeAddress(blocks[i]);
        }
        count = 0;
        blocks = null;
    }
}
