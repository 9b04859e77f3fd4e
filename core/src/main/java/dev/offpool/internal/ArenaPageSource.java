package dev.offpool.internal;

import dev.offpool.spi.PageSource;
import dev.offpool.spi.PageSourceException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The page source core uses when no other is on the path: one {@link Arena#ofShared()} per chunk, closed on
 * release. It cannot give pages back to the OS while a chunk lives (the JDK offers no madvise), so only whole empty
 * arenas return memory; the native-bridge module's mmap source does better.
 */
public final class ArenaPageSource implements PageSource {
    private final Map<Long, Arena> arenas = new ConcurrentHashMap<>();

    @Override
    public MemorySegment reserve(long byteSize, long byteAlignment) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment chunk = arena.allocate(byteSize, byteAlignment);
            arenas.put(chunk.address(), arena);
            return chunk;
        } catch (OutOfMemoryError | RuntimeException e) {
            arena.close();
            throw new PageSourceException("Arena.ofShared() could not allocate " + byteSize + " bytes", e);
        }
    }

    @Override
    public void release(MemorySegment chunk) {
        Arena arena = arenas.remove(chunk.address());
        if (arena == null) {
            throw new PageSourceException("chunk at 0x" + Long.toHexString(chunk.address()) + " is not ours");
        }
        arena.close();
    }

    /** {@return true: each chunk's {@code Arena.ofShared()} is closed by {@link #release}} */
    @Override
    public boolean closesScopeOnRelease() {
        return true;
    }

    @Override
    public String name() {
        return "Arena.ofShared";
    }

    @Override
    public int priority() {
        return Integer.MIN_VALUE;
    }
}
