package dev.offpool;

import dev.offpool.internal.ArenaPageSource;
import dev.offpool.internal.HeapConfig;
import dev.offpool.internal.HugeHeap;
import dev.offpool.internal.LargeHeap;
import dev.offpool.internal.NativeMemory;
import dev.offpool.internal.PooledArena;
import dev.offpool.internal.ReservedBytes;
import dev.offpool.internal.SmallHeap;
import dev.offpool.internal.ThreadCaches;
import dev.offpool.spi.PageSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.time.Duration;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * A pymalloc-style allocator of off-heap memory: small blocks from size-classed pools in large arenas, with
 * per-thread caches in front so the common allocation and free take no lock.
 *
 * {@snippet :
 * OffPool pool = OffPool.global();
 * MemorySegment buf = pool.allocate(64);          // zeroed, exactly 64 bytes, bounds-checked
 * buf.set(ValueLayout.JAVA_INT, 0, 42);
 * pool.free(buf);
 *
 * try (Arena arena = pool.newConfinedArena()) {    // a drop-in for Arena.ofConfined()
 *     MemorySegment s = arena.allocateFrom("hello");
 * }                                               // every block returns to the pools here
 * }
 *
 * <p>Three tiers serve every size up to {@code maxAllocationBytes} (1 TiB by default): requests up to
 * {@link #smallThresholdBytes()} (512 by default) come from the pools; larger ones up to {@code largeMaxBytes}
 * (1 MiB) from a best-fit heap with coalescing inside large chunks; the rest are mapped one by one through the page
 * source and unmapped on free. Every returned block is zero-filled. Small alignments work by choosing a
 * block size that is a multiple of the alignment; larger ones are honoured by the other tiers.
 *
 * <p>Misuse fails fast and changes nothing: a size {@code <= 0} or over the limit, or an alignment that is not a
 * power of two, throws {@link IllegalArgumentException}; freeing anything that is not a live block of this allocator
 * (a foreign address, a slice, a block already freed) throws {@link InvalidFreeException}; passing the reserved-bytes
 * limit throws {@link OutOfPoolMemoryException}; any call after {@link #close()} throws {@link IllegalStateException}.
 *
 * <p>Any thread may free a block any thread allocated. Blocks freed by one thread go to its own cache and serve its
 * next allocations; caches are bounded and flow back to the shared pools in batches.
 *
 * <p>Segments returned by {@link #allocate} have the global scope: the allocator cannot invalidate them on free, so
 * using a segment after freeing it reads whatever the block holds next. For accesses that must fail after release,
 * allocate through {@link #newConfinedArena()} or {@link #newSharedArena()}. The allocator calls restricted FFM
 * methods; run with {@code --enable-native-access=dev.offpool.core} (or {@code ALL-UNNAMED}) to silence the JDK's
 * warning.
 */
public final class OffPool implements SegmentAllocator, AutoCloseable {
    /** Default pool size, as CPython's 64-bit build. */
    public static final int DEFAULT_POOL_SIZE_BYTES = 16 * 1024;
    /** Default arena size, as CPython's 64-bit build. */
    public static final long DEFAULT_ARENA_SIZE_BYTES = 1024 * 1024;
    /** Default largest small block, as CPython's {@code SMALL_REQUEST_THRESHOLD}. */
    public static final int DEFAULT_SMALL_MAX_BYTES = 512;
    /** Default largest single allocation: 1 TiB. */
    public static final long DEFAULT_MAX_ALLOCATION_BYTES = 1L << 40;
    /** Default per-thread cache budget. */
    public static final long DEFAULT_THREAD_CACHE_BYTES = 64 * 1024;

    private final HeapConfig config;
    private final ReservedBytes reservedBytes;
    private final SmallHeap small;
    private final ThreadCaches caches;
    private final LargeHeap large;
    private final HugeHeap huge;
    private final boolean closeable;
    private volatile boolean closed;

    private OffPool(HeapConfig config, boolean closeable) {
        this.config = config;
        this.reservedBytes = new ReservedBytes(config.maxReservedBytes());
        this.small = new SmallHeap(config, reservedBytes);
        this.caches = new ThreadCaches(small, config);
        this.large = new LargeHeap(config.pageSource(), reservedBytes, config.largeChunkBytes(),
                config.largeMaxBytes(), Math.min(config.smallMaxBytes() + 1L, config.largeMaxBytes()));
        this.huge = new HugeHeap(config.pageSource(), reservedBytes);
        this.closeable = closeable;
    }

    private static final class Global {
        static final OffPool INSTANCE = new OffPool(builder().config(), false);
    }

    /** {@return the process-wide allocator, with default settings; it cannot be closed} */
    public static OffPool global() {
        return Global.INSTANCE;
    }

    /** {@return a builder for a separate allocator} */
    public static Builder builder() {
        return new Builder();
    }

    // -----------------------------------------------------------------------------------------------------------
    // Raw path: addresses in, addresses out, no garbage.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * Allocates {@code byteSize} zeroed bytes aligned to 16 and returns their address. Free it with
     * {@link #freeAddress(long)}.
     *
     * @param byteSize the size, {@code 1..maxAllocationBytes}
     * @return the block's address
     * @throws IllegalArgumentException if the size is out of range
     * @throws OutOfPoolMemoryException if the reserved-bytes limit is reached
     * @throws IllegalStateException    if the allocator is closed
     */
    public long allocateAddress(long byteSize) {
        return allocateAddress(byteSize, 1);
    }

    /**
     * Allocates {@code byteSize} zeroed bytes at an address that is a multiple of {@code byteAlignment}.
     *
     * @param byteSize      the size, {@code 1..maxAllocationBytes}
     * @param byteAlignment a power of two (a small request is served from the smallest class that is a multiple of it)
     * @return the block's address
     * @throws IllegalArgumentException if the size or alignment is out of range
     * @throws OutOfPoolMemoryException if the reserved-bytes limit is reached
     * @throws IllegalStateException    if the allocator is closed
     */
    public long allocateAddress(long byteSize, long byteAlignment) {
        int sizeClass = smallClassFor(byteSize, byteAlignment);
        if (sizeClass < 0) {
            return allocateBeyondSmallTier(byteSize, byteAlignment);
        }
        // ---- hot path: pop the thread's cache, mark live, zero ----
        long block = caches.take(sizeClass);
        small.markLive(block);
        NativeMemory.zero(block, byteSize);
        return block;
    }

    private long allocateBeyondSmallTier(long byteSize, long byteAlignment) {
        if (byteSize > config.maxAllocationBytes()) {
            throw new IllegalArgumentException("size " + byteSize + " is over the largest allocation, "
                    + config.maxAllocationBytes() + " bytes");
        }
        if (byteSize <= config.largeMaxBytes() && byteAlignment <= LargeHeap.MAX_ALIGNMENT_BYTES) {
            return large.allocate(byteSize, byteAlignment);
        }
        return huge.allocate(byteSize, byteAlignment);
    }

    /**
     * Frees a block allocated by {@link #allocateAddress}. Any thread may free any block.
     *
     * @param address the address {@code allocateAddress} returned
     * @throws InvalidFreeException  if it is not a live block of this allocator; nothing changes then
     * @throws IllegalStateException if the allocator is closed
     */
    public void freeAddress(long address) {
        checkOpen();
        // ---- hot path: validate (arena map, then the live bit), push on the thread's cache ----
        int sizeClass = small.claimForFree(address);
        if (sizeClass < 0) {
            freeBeyondSmallTier(address);
            return;
        }
        caches.give(sizeClass, address);
    }

    private void freeBeyondSmallTier(long address) {
        if (large.owns(address)) {
            large.free(address);
            return;
        }
        if (huge.free(address) < 0) {
            throw new InvalidFreeException("free of 0x" + Long.toHexString(address)
                    + ": not an address this allocator handed out (it lies in none of its arenas, chunks or "
                    + "mappings), or a block already freed");
        }
    }

    /** {@return the usable size of the live block at {@code address}, or -1 if it is not one} No side effects. */
    private long usableSize(long address) {
        long size = small.blockSizeIfLive(address);
        if (size >= 0) {
            return size;
        }
        return large.owns(address) ? large.usableSize(address) : huge.usableSize(address);
    }

    // -----------------------------------------------------------------------------------------------------------
    // Segment path.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * Allocates a zeroed segment of exactly {@code byteSize} bytes, aligned to {@code byteAlignment}. Accesses past
     * its end throw {@link IndexOutOfBoundsException}.
     *
     * @throws IllegalArgumentException if the size or alignment is out of range
     * @throws OutOfPoolMemoryException if the reserved-bytes limit is reached
     * @throws IllegalStateException    if the allocator is closed
     */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        return NativeMemory.segment(allocateAddress(byteSize, byteAlignment), byteSize);
    }

    /**
     * Frees a segment returned by {@link #allocate} or {@link #reallocate}. The segment must not be used afterwards.
     *
     * @throws InvalidFreeException     if it is not a live block of this allocator (including a slice of one, and a
     *                                  segment of a pooled {@code Arena}, which its arena frees on close)
     * @throws IllegalStateException    if the allocator is closed
     */
    public void free(MemorySegment segment) {
        freeAddress(blockAddress(segment));
    }

    /**
     * Resizes a block, keeping its first {@code min(old, new)} bytes; bytes past the old size read as zero.
     *
     * <p>The block stays where it is when the new size still fits it without wasting most of it (pymalloc's rule:
     * the new size is over three quarters of the block); otherwise a new block is allocated, the contents copied and
     * the old block freed, so {@code segment} must not be used after this call either way. Alignment beyond 16 is
     * kept only in place.
     *
     * @param segment      a segment returned by {@link #allocate} or {@link #reallocate}
     * @param newByteSize  the new size, {@code 1..maxAllocationBytes}
     * @return a segment of exactly {@code newByteSize} bytes
     * @throws InvalidFreeException     if {@code segment} is not a live block of this allocator
     * @throws IllegalArgumentException if the new size is out of range
     * @throws IllegalStateException    if the allocator is closed
     */
    public MemorySegment reallocate(MemorySegment segment, long newByteSize) {
        long address = blockAddress(segment);
        if (smallClassFor(newByteSize, 1) < 0 && newByteSize > config.maxAllocationBytes()) {
            throw new IllegalArgumentException("size " + newByteSize + " is over the largest allocation, "
                    + config.maxAllocationBytes() + " bytes");
        }
        long usable = usableSize(address);
        if (usable < 0) {
            freeAddress(address); // throws the precise reason
            throw new InvalidFreeException("reallocate of 0x" + Long.toHexString(address) + ": not a live block");
        }
        long oldSize = Math.min(segment.byteSize(), usable);
        // pymalloc's rule for small blocks (keep it while over 3/4 used); larger blocks are kept while over half.
        boolean keep = newByteSize <= usable && (usable <= config.smallMaxBytes()
                ? 4 * newByteSize > 3 * usable : 2 * newByteSize > usable);
        if (keep) {
            if (newByteSize > oldSize) {
                NativeMemory.zero(address + oldSize, newByteSize - oldSize);
            }
            return NativeMemory.segment(address, newByteSize);
        }
        MemorySegment result = NativeMemory.segment(allocateAddress(newByteSize, 1), newByteSize);
        MemorySegment.copy(NativeMemory.EVERYTHING, address, result, 0, Math.min(oldSize, newByteSize));
        freeAddress(address);
        return result;
    }

    // -----------------------------------------------------------------------------------------------------------
    // Arenas.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * Opens a confined {@link Arena} whose allocations come from this allocator. Its segments are bound to its scope:
     * after {@link Arena#close()} any access throws {@link IllegalStateException}, and every block goes back to the
     * pools. Only the opening thread may allocate or close ({@link WrongThreadException} otherwise). Zero-byte
     * requests return an empty segment of the arena's scope.
     *
     * @throws IllegalStateException if the allocator is closed
     */
    public Arena newConfinedArena() {
        checkOpen();
        return new PooledArena(this, Arena.ofConfined(), false);
    }

    /**
     * Opens a shared {@link Arena} backed by this allocator: any thread may allocate and close it; closing it costs
     * what closing {@link Arena#ofShared()} costs (a handshake with every thread).
     *
     * @throws IllegalStateException if the allocator is closed
     */
    public Arena newSharedArena() {
        checkOpen();
        return new PooledArena(this, Arena.ofShared(), true);
    }

    // -----------------------------------------------------------------------------------------------------------
    // Inspection and lifecycle.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * Takes a snapshot of the heap. Counts are exact while no other thread allocates or frees; under concurrent use
     * each pool is consistent but thread-cache counts are read in passing. Dead threads' caches are returned first.
     *
     * @throws IllegalStateException if the allocator is closed
     */
    public PoolStats stats() {
        checkOpen();
        caches.sweep(false);
        return small.stats(caches.cachedPerClass()).withTiers(large.stats(), huge.stats());
    }

    /**
     * Walks the whole heap and checks its invariants: arenas do not overlap and sit in the right order buckets; every
     * pool's counts match its free list, carve mark, live bitmap and the blocks cached for it; no block is on two
     * lists; every byte is accounted for. Call it while no other thread uses the allocator.
     *
     * @throws HeapCorruptionException naming the first broken invariant
     * @throws IllegalStateException   if the allocator is closed
     */
    public void verify() {
        checkOpen();
        caches.sweep(false);
        small.verify(caches.cachedBlocks());
        large.verify();
        PoolStats stats = small.stats(caches.cachedPerClass());
        if (stats.accountedBytes() != stats.arenaBytes()) {
            throw new HeapCorruptionException("byte accounting adds up to " + stats.accountedBytes() + " but "
                    + stats.arenasCurrent() + " arenas hold " + stats.arenaBytes());
        }
    }

    /**
     * Hands back what can be handed back now: the calling thread's cache, dead threads' caches and the
     * virtual-thread stripes go back to the pools; every wholly empty arena (and the large tier's spare chunk)
     * returns to the page source, and every unused pool's pages are discarded (with a page source that can, such as
     * native-bridge's mmap source). One live block then keeps one pool resident, not its arena.
     *
     * @throws IllegalStateException if the allocator is closed
     */
    public void trim() {
        checkOpen();
        caches.sweep(true);
        small.trim();
        large.trim();
    }

    /** {@return the largest request the small tier (pools and thread caches) serves} */
    public long smallThresholdBytes() {
        return config.smallMaxBytes();
    }

    /** {@return bytes reserved from the page source now} */
    public long reservedBytes() {
        checkOpen();
        return reservedBytes.current();
    }

    /** {@return true once {@link #close()} has run} */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Releases every arena to the page source; every block, segment and pooled arena of this allocator becomes
     * invalid, and later calls throw {@link IllegalStateException}. Must not race with other calls on the allocator.
     *
     * @throws UnsupportedOperationException on {@link #global()}
     * @throws IllegalStateException         if already closed
     */
    @Override
    public void close() {
        if (!closeable) {
            throw new UnsupportedOperationException("the global allocator cannot be closed");
        }
        checkOpen();
        closed = true;
        small.close();
        large.close();
        huge.close();
    }

    // -----------------------------------------------------------------------------------------------------------
    // Checks.
    // -----------------------------------------------------------------------------------------------------------

    /** {@return the small class for the request, or -1 if it is for a larger tier} Validates size and alignment. */
    private int smallClassFor(long byteSize, long byteAlignment) {
        checkOpen();
        if (byteSize <= 0) {
            throw new IllegalArgumentException("size must be positive, was " + byteSize);
        }
        if (byteAlignment <= 0 || (byteAlignment & (byteAlignment - 1)) != 0) {
            throw new IllegalArgumentException("alignment must be a power of two, was " + byteAlignment);
        }
        return small.classes().classFor(byteSize, byteAlignment);
    }

    private static long blockAddress(MemorySegment segment) {
        Objects.requireNonNull(segment, "segment");
        if (!segment.isNative()) {
            throw new InvalidFreeException("free of a heap segment: only segments this allocator returned can be "
                    + "freed");
        }
        if (!segment.scope().equals(NativeMemory.EVERYTHING.scope())) {
            throw new InvalidFreeException("free of a segment bound to an arena's scope (0x"
                    + Long.toHexString(segment.address()) + "): close its arena instead");
        }
        return segment.address();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("allocator is closed");
        }
    }

    /**
     * Builds a separate allocator. Every setter validates at once and throws {@link IllegalArgumentException} naming
     * the bad value.
     *
     * {@snippet :
     * try (OffPool pool = OffPool.builder()
     *         .arenaSizeBytes(256 * 1024)
     *         .maxReservedBytes(64L << 20)
     *         .build()) {
     *     long address = pool.allocateAddress(40);
     *     pool.freeAddress(address);
     * }
     * }
     */
    public static final class Builder {
        private int poolSizeBytes = DEFAULT_POOL_SIZE_BYTES;
        private long arenaSizeBytes = DEFAULT_ARENA_SIZE_BYTES;
        private int smallMaxBytes = DEFAULT_SMALL_MAX_BYTES;
        private long maxReservedBytes = Long.MAX_VALUE;
        private long threadCacheBytes = DEFAULT_THREAD_CACHE_BYTES;
        private int virtualThreadStripes = Integer.highestOneBit(Math.max(1,
                Runtime.getRuntime().availableProcessors()) * 2);
        private Duration cacheTrimInterval = Duration.ofSeconds(1);
        private PageSource pageSource;
        private long retainedUnusedPoolBytes = DEFAULT_ARENA_SIZE_BYTES;
        private long maxAllocationBytes = DEFAULT_MAX_ALLOCATION_BYTES;
        private long largeMaxBytes = LargeHeap.DEFAULT_MAX_BLOCK_BYTES;
        private long largeChunkBytes = LargeHeap.DEFAULT_CHUNK_BYTES;

        private Builder() {
        }

        /**
         * @param bytes a power of two from 4 KiB to 16 MiB (default 16 KiB)
         * @return this builder
         */
        public Builder poolSizeBytes(int bytes) {
            require(bytes >= 4096 && bytes <= (16 << 20) && Integer.bitCount(bytes) == 1,
                    "pool size must be a power of two from 4096 to 16 MiB, was " + bytes);
            this.poolSizeBytes = bytes;
            return this;
        }

        /**
         * @param bytes a power of two holding at least two pools, at most 1 GiB (default 1 MiB)
         * @return this builder
         */
        public Builder arenaSizeBytes(long bytes) {
            require(bytes > 0 && bytes <= (1L << 30) && Long.bitCount(bytes) == 1,
                    "arena size must be a power of two up to 1 GiB, was " + bytes);
            this.arenaSizeBytes = bytes;
            return this;
        }

        /**
         * @param bytes the largest small request: a multiple of 16, at most a quarter of the pool (default 512)
         * @return this builder
         */
        public Builder smallMaxBytes(int bytes) {
            require(bytes >= 16 && bytes % 16 == 0, "small threshold must be a positive multiple of 16, was "
                    + bytes);
            this.smallMaxBytes = bytes;
            return this;
        }

        /**
         * @param bytes the most bytes the allocator may reserve from its page source (default unlimited)
         * @return this builder
         */
        public Builder maxReservedBytes(long bytes) {
            require(bytes > 0, "reserved-bytes limit must be positive, was " + bytes);
            this.maxReservedBytes = bytes;
            return this;
        }

        /**
         * @param bytes the most free-block bytes one thread may keep cached; 0 turns caching off (default 64 KiB)
         * @return this builder
         */
        public Builder threadCacheBytes(long bytes) {
            require(bytes >= 0, "thread cache size must not be negative, was " + bytes);
            this.threadCacheBytes = bytes;
            return this;
        }

        /**
         * @param stripes caches shared by virtual threads, a power of two (default twice the processors)
         * @return this builder
         */
        public Builder virtualThreadStripes(int stripes) {
            require(stripes > 0 && Integer.bitCount(stripes) == 1,
                    "virtual-thread stripes must be a power of two, was " + stripes);
            this.virtualThreadStripes = stripes;
            return this;
        }

        /**
         * @param interval how long a thread keeps a full cache before handing half back (default 1 s)
         * @return this builder
         */
        public Builder cacheTrimInterval(Duration interval) {
            require(interval != null && !interval.isNegative(), "trim interval must be zero or more, was "
                    + interval);
            this.cacheTrimInterval = interval;
            return this;
        }

        /**
         * @param bytes how many bytes of unused pools may stay resident before the oldest are discarded through the
         *              page source (default 1 MiB); 0 discards every pool as soon as it is unused
         * @return this builder
         */
        public Builder retainedUnusedPoolBytes(long bytes) {
            require(bytes >= 0, "retained unused-pool bytes must not be negative, was " + bytes);
            this.retainedUnusedPoolBytes = bytes;
            return this;
        }

        /**
         * @param bytes the largest request the large (best-fit) tier serves; above it each block is its own
         *              mapping (default 1 MiB). At most the large chunk size.
         * @return this builder
         */
        public Builder largeMaxBytes(long bytes) {
            require(bytes > 0, "large-tier bound must be positive, was " + bytes);
            this.largeMaxBytes = bytes;
            return this;
        }

        /**
         * @param bytes the size of the chunks the large tier carves, a multiple of 4096 up to 1 GiB (default 4 MiB)
         * @return this builder
         */
        public Builder largeChunkBytes(long bytes) {
            require(bytes >= LargeHeap.CHUNK_ALIGNMENT_BYTES && bytes <= LargeHeap.MAX_CHUNK_BYTES
                    && bytes % LargeHeap.CHUNK_ALIGNMENT_BYTES == 0, "large chunk size must be a multiple of 4096 "
                    + "up to 1 GiB, was " + bytes);
            this.largeChunkBytes = bytes;
            return this;
        }

        /**
         * @param bytes the largest single allocation, at least the small threshold (default 1 TiB)
         * @return this builder
         */
        public Builder maxAllocationBytes(long bytes) {
            require(bytes > 0, "largest allocation must be positive, was " + bytes);
            this.maxAllocationBytes = bytes;
            return this;
        }

        /**
         * @param source where arena memory comes from (default: the highest-priority {@link PageSource} found by
         *               {@link ServiceLoader}, else {@code Arena.ofShared()} chunks)
         * @return this builder
         */
        public Builder pageSource(PageSource source) {
            this.pageSource = Objects.requireNonNull(source, "pageSource");
            return this;
        }

        /**
         * {@return a new allocator}
         *
         * @throws IllegalArgumentException if the settings do not fit together (arena smaller than two pools, small
         *                                  threshold over a quarter of a pool)
         */
        public OffPool build() {
            return new OffPool(config(), true);
        }

        private HeapConfig config() {
            require(arenaSizeBytes >= 2L * poolSizeBytes, "arena size " + arenaSizeBytes
                    + " must hold at least two pools of " + poolSizeBytes + " bytes");
            require(smallMaxBytes <= poolSizeBytes / 4, "small threshold " + smallMaxBytes
                    + " must be at most a quarter of the pool size " + poolSizeBytes);
            require(largeMaxBytes <= largeChunkBytes, "large-tier bound " + largeMaxBytes
                    + " must not exceed the large chunk size " + largeChunkBytes);
            PageSource source = pageSource != null ? pageSource : discoverPageSource();
            return new HeapConfig(poolSizeBytes, arenaSizeBytes, smallMaxBytes, maxReservedBytes, threadCacheBytes,
                    virtualThreadStripes, cacheTrimInterval.toNanos(), source, retainedUnusedPoolBytes,
                    Math.max(maxAllocationBytes, smallMaxBytes), largeMaxBytes, largeChunkBytes);
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }

    /** {@return the highest-priority page source on the path, or the {@code Arena.ofShared()} fallback} */
    static PageSource discoverPageSource() {
        PageSource best = new ArenaPageSource();
        try {
            for (PageSource candidate : ServiceLoader.load(PageSource.class, OffPool.class.getClassLoader())) {
                if (candidate.priority() > best.priority()) {
                    best = candidate;
                }
            }
        } catch (ServiceConfigurationError e) {
            System.getLogger(OffPool.class.getName()).log(System.Logger.Level.WARNING,
                    "offpool: a page source failed to load, using Arena.ofShared() chunks", e);
        }
        return best;
    }
}
