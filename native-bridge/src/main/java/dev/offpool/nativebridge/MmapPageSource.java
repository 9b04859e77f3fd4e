package dev.offpool.nativebridge;

import dev.offpool.spi.PageSource;
import dev.offpool.spi.PageSourceException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link PageSource} over anonymous {@code mmap}: arenas cost address space until their pages are touched, and
 * {@link #discard} gives unused pages back to the OS with {@code madvise} while the arena stays mapped.
 *
 * <pre>{@code
 * // Nothing to write: with offpool-native-bridge on the path, core finds this source through ServiceLoader.
 * OffPool pool = OffPool.builder().build();
 * assert pool.stats().pageSource().equals("mmap");
 * }</pre>
 *
 * <h2>Native access</h2>
 * {@code mmap}, {@code munmap} and {@code madvise} are reached through FFM downcalls, and giving the mapped address
 * a size ({@link MemorySegment#reinterpret}) is restricted too: the JVM must be started with
 * {@code --enable-native-access=dev.offpool.nativebridge} on the module path, or
 * {@code --enable-native-access=ALL-UNNAMED} on the class path. Without it JDK 25 prints a warning on first use
 * (and a future JDK will refuse).
 *
 * <h2>Chunks and their scope</h2>
 * {@link #reserve} maps {@code PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE}, over-mapping and
 * trimming so the address is a multiple of the requested alignment. The kernel commits a page on its first touch,
 * so a fresh chunk costs no RSS. Each chunk's segment belongs to its own {@link Arena#ofShared() shared arena},
 * closed by {@link #release} just before {@code munmap}: a stale access through the chunk or any slice of it throws
 * {@link IllegalStateException} instead of crashing the JVM on an unmapped page. Closing a shared arena costs a
 * handshake with every thread, which is cheap next to {@code munmap} and happens once per arena, not per block.
 * (Code that reaches the memory by raw address through a global-scope segment bypasses this check, of course.)
 *
 * <h2>Discard: why {@code MADV_DONTNEED} by default</h2>
 * Measured with {@code MadviseMeasurement} (test sources) on Linux 6.18 x86_64, 4 KiB pages, transparent huge
 * pages {@code madvise}, no memory pressure, 2 shared cores; 64 MiB touched page by page, discarded in one call,
 * touched again, then discarded as 4096 pieces of 16 KiB (one call per pool); medians of 7 rounds, two runs:
 * <pre>
 *                  RSS after   RSS after   discard 64 MiB   touch again   discard 4096 x 16 KiB
 *                  write       discard     (one call)       (16384 pages) (4096 calls)
 * MADV_DONTNEED    +64.0 MiB   -64.0 MiB   4.5 ms           23.0 ms       11.1 ms
 * MADV_FREE        +64.2 MiB    +0.0 MiB   4.2 ms            3.3 ms       5.7 - 18 ms
 * </pre>
 * So a page discarded with {@code MADV_DONTNEED} costs about 1.4 us to fault back in (0.2 us after
 * {@code MADV_FREE}); a discard costs about 0.27 us per page in one large call, but 2.7 us per 16 KiB call, so
 * adjacent ranges are worth discarding together.
 *
 * <p>{@code MADV_FREE} makes the pages reclaimable but leaves them counted in RSS until the kernel is short of memory,
 * so an RSS-measured "memory goes back to the OS" promise fails with it, and container limits and monitoring see
 * no change. {@code MADV_DONTNEED} drops them during the call; its cost is the page faults on reuse, which the
 * allocator keeps rare by discarding only memory that has stayed unused for a while. {@link DiscardAdvice#FREE} remains
 * selectable for workloads that reuse discarded memory quickly: {@link #MmapPageSource(DiscardAdvice)} or
 * {@code -Doffpool.madvise=free}.
 *
 * <p>Instances are thread-safe. Misuse (a chunk this source did not reserve, released twice, or a range outside
 * the chunk or off page boundaries) throws {@link IllegalArgumentException} and changes nothing; a refusal by the
 * kernel throws {@link PageSourceException} naming the call, its arguments and {@code errno}.
 */
public final class MmapPageSource implements PageSource {
    /** System property read by {@link #MmapPageSource()}: {@code dontneed} (the default) or {@code free}. */
    public static final String MADVISE_PROPERTY = "offpool.madvise";
    /** This source's {@link #priority()}: above core's {@code Arena.ofShared()} fallback. */
    public static final int PRIORITY = 100;

    private final DiscardAdvice advice;
    private final long pageSizeBytes;
    /**
     * Every live chunk by its address. A chunk is in the map from the end of {@link #reserve} until {@link #release}
     * takes it out, and its scope is open exactly as long.
     */
    private final Map<Long, Mapping> mappings = new ConcurrentHashMap<>();

    /**
     * Creates a source whose discard advice comes from the {@value #MADVISE_PROPERTY} system property
     * ({@code dontneed} when unset). This is the constructor {@link java.util.ServiceLoader} calls.
     *
     * @throws IllegalArgumentException      if the property holds anything but {@code dontneed} or {@code free}
     * @throws UnsupportedOperationException if the platform is not Linux on x86_64 or aarch64
     */
    public MmapPageSource() {
        this(DiscardAdvice.parse(System.getProperty(MADVISE_PROPERTY)));
    }

    /**
     * Creates a source that discards pages with the given advice.
     *
     * @param advice how {@link #discard} hands pages back
     * @throws UnsupportedOperationException if the platform is not Linux on x86_64 or aarch64
     */
    public MmapPageSource(DiscardAdvice advice) {
        if (advice == null) {
            throw new NullPointerException("advice");
        }
        OsMemory.requireSupportedPlatform();
        this.advice = advice;
        this.pageSizeBytes = OsMemory.pageSize();
    }

    /**
     * Maps a fresh chunk. Its pages cost nothing until touched and read as zero.
     *
     * <p>The {@link PageSource} contract asks for a size that is a multiple of the alignment; this source accepts any
     * positive size (mapping whole pages), so a caller that rounds only to pages, such as a huge-block tier with a
     * large alignment, is served too.
     *
     * @param byteSize      the chunk's size in bytes, positive
     * @param byteAlignment a power of two; the returned segment's address is a multiple of it
     * @return a segment of exactly {@code byteSize} bytes, whose scope closes when the chunk is released
     * @throws IllegalArgumentException if the size is not positive or the alignment is not a power of two
     * @throws PageSourceException      if {@code mmap} fails (the message carries errno and its text)
     */
    @Override
    public MemorySegment reserve(long byteSize, long byteAlignment) {
        if (byteSize <= 0) {
            throw new IllegalArgumentException("chunk size must be positive, was " + byteSize);
        }
        if (byteAlignment <= 0 || Long.bitCount(byteAlignment) != 1) {
            throw new IllegalArgumentException("chunk alignment must be a power of two, was " + byteAlignment);
        }
        if (byteSize > Long.MAX_VALUE - pageSizeBytes) {
            throw new PageSourceException("cannot map " + byteSize + " bytes: the request exceeds the address space");
        }
        long mappedBytes = (byteSize + pageSizeBytes - 1) & -pageSizeBytes;
        long address = OsMemory.mapAligned(mappedBytes, byteAlignment);
        Arena scope = Arena.ofShared();
        MemorySegment chunk = MemorySegment.ofAddress(address).reinterpret(byteSize, scope, null);
        mappings.put(address, new Mapping(scope, byteSize, mappedBytes));
        return chunk;
    }

    /**
     * Closes the chunk's scope, so that later access through it or its slices throws {@link IllegalStateException},
     * then unmaps it; its pages leave the process at once.
     *
     * @param chunk the segment {@link #reserve} returned, unchanged
     * @throws IllegalArgumentException if {@code chunk} is not a live chunk of this source (or was released already)
     * @throws IllegalStateException    if another thread is inside a downcall on the chunk (a concurrent
     *                                  {@link #discard}); the chunk then stays reserved
     * @throws PageSourceException      if {@code munmap} fails
     */
    @Override
    public void release(MemorySegment chunk) {
        Mapping mapping = liveMapping(chunk, "release");
        long address = chunk.address();
        if (!mappings.remove(address, mapping)) {
            throw new IllegalArgumentException("chunk at 0x" + Long.toHexString(address)
                    + " was released by another thread at the same time");
        }
        try {
            mapping.scope.close();
        } catch (IllegalStateException e) {
            mappings.put(address, mapping);
            throw e;
        }
        OsMemory.unmap(address, mapping.mappedBytes);
    }

    /**
     * Hands the pages of {@code [offset, offset + byteSize)} back with {@code madvise}; the range stays mapped.
     *
     * @param chunk    a live chunk returned by {@link #reserve}
     * @param offset   a multiple of {@link #pageSize()}
     * @param byteSize a multiple of {@link #pageSize()}; zero does nothing
     * @return true: the pages were handed back (with {@link DiscardAdvice#DONTNEED} they now read as zero; with
     *         {@link DiscardAdvice#FREE} they may keep their contents until the kernel takes them)
     * @throws IllegalArgumentException if the chunk is not a live chunk of this source, or the range is off page
     *                                  boundaries or outside the chunk
     * @throws PageSourceException      if {@code madvise} fails
     */
    @Override
    public boolean discard(MemorySegment chunk, long offset, long byteSize) {
        liveMapping(chunk, "discard");
        if (offset < 0 || byteSize < 0 || offset > chunk.byteSize() - byteSize) {
            throw new IllegalArgumentException("range [" + offset + ", " + offset + " + " + byteSize
                    + ") is outside the " + chunk.byteSize() + "-byte chunk");
        }
        if (offset % pageSizeBytes != 0 || byteSize % pageSizeBytes != 0) {
            throw new IllegalArgumentException("discard offset " + offset + " and size " + byteSize
                    + " must be multiples of the page size " + pageSizeBytes);
        }
        if (byteSize > 0) {
            OsMemory.advise(chunk.asSlice(offset, byteSize), advice.madvise);
        }
        return true;
    }

    /** {@return the OS page size, from {@code sysconf(_SC_PAGESIZE)}} */
    @Override
    public long pageSize() {
        return pageSizeBytes;
    }

    /** {@return {@code "mmap"}} */
    /** {@return true: each chunk's shared scope is closed by {@link #release} before {@code munmap}} */
    @Override
    public boolean closesScopeOnRelease() {
        return true;
    }

    /**
     * {@return true with {@link DiscardAdvice#DONTNEED}: private anonymous pages read as zeros after it; false with
     * {@link DiscardAdvice#FREE}, whose pages may keep their contents until the kernel reclaims them}
     */
    @Override
    public boolean discardLeavesZeros() {
        return advice == DiscardAdvice.DONTNEED;
    }

    @Override
    public String name() {
        return "mmap";
    }

    /** {@return {@value #PRIORITY}, so core prefers this source to its {@code Arena.ofShared()} fallback} */
    @Override
    public int priority() {
        return PRIORITY;
    }

    /** {@return the advice {@link #discard} gives} */
    public DiscardAdvice discardAdvice() {
        return advice;
    }

    /** {@return the name, discard advice and page size, for logs} */
    @Override
    public String toString() {
        return "MmapPageSource[madvise=" + advice.name().toLowerCase(Locale.ROOT) + ", pageSize="
                + pageSizeBytes + "]";
    }

    private Mapping liveMapping(MemorySegment chunk, String operation) {
        if (chunk == null) {
            throw new NullPointerException("chunk");
        }
        Mapping mapping = chunk.isNative() ? mappings.get(chunk.address()) : null;
        if (mapping == null || mapping.chunkBytes != chunk.byteSize()) {
            throw new IllegalArgumentException("cannot " + operation + " " + chunk
                    + ": not a live chunk of this page source (never reserved here, already released, or resized)");
        }
        return mapping;
    }

    /**
     * One live chunk.
     *
     * @param scope       closed on release, invalidating the chunk's segment and its slices
     * @param chunkBytes  the size {@link #reserve} was asked for and the segment has
     * @param mappedBytes the size actually mapped: {@code chunkBytes} rounded up to whole pages
     */
    private record Mapping(Arena scope, long chunkBytes, long mappedBytes) {
    }
}
