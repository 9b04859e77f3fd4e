package dev.offpool.reliability;

import dev.offpool.spi.PageSource;
import dev.offpool.spi.PageSourceException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Chunks from {@link Arena#ofShared()}, one arena per chunk, closed on release, never discarded: what core does on its
 * own when no page source is on the path. The suites run with native-bridge on the path, where core would pick the
 * mmap source, so they pass this one to the builder to cover core's fallback behaviour through the public SPI.
 */
final class JdkArenaPageSource implements PageSource {
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

    @Override
    public boolean closesScopeOnRelease() {
        return true;
    }

    @Override
    public String name() {
        return "Arena.ofShared";
    }
}
