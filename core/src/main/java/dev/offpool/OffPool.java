package dev.offpool;

import dev.offpool.internal.ArenaBacking;
import dev.offpool.internal.ArenaPageSource;
import dev.offpool.internal.HeapConfig;
import dev.offpool.internal.PooledArena;
import dev.offpool.internal.Region;
import dev.offpool.internal.RegionMap;
import dev.offpool.internal.Requests;
import dev.offpool.internal.ReservedBytes;
import dev.offpool.internal.Zeroing;
import dev.offpool.internal.checked.CheckedHeap;
import dev.offpool.internal.checked.UncheckedBlocks;
import dev.offpool.internal.huge.HugeHeap;
import dev.offpool.internal.large.LargeHeap;
import dev.offpool.internal.pool.BlockClaim;
import dev.offpool.internal.pool.PoolFastPath;
import dev.offpool.internal.pool.PoolTier;
import dev.offpool.internal.pool.SizeClasses;
import dev.offpool.jfr.AllocationSampler;
import dev.offpool.jfr.HeapEvents;
import dev.offpool.internal.StatsAtExit;
import dev.offpool.jfr.JfrSupport;
import dev.offpool.spi.PageSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.time.Duration;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pymalloc-style allocator of off-heap memory: blocks from size-classed pools in large arenas, with per-thread
 * caches in front so the common allocation and free take no lock.
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
 * <h2>Tiers</h2>
 * Requests up to {@link #smallThresholdBytes()} (512 bytes by default) come from pymalloc's 16-byte classes; larger
 * ones up to {@link #pooledMaxBytes()} (64 KiB) from medium classes spaced about 1/8 apart, served the same way
 * (pools and thread caches); larger ones up to {@code largeMaxBytes} (1 MiB) from a best-fit heap with coalescing
 * inside large chunks; the rest are mapped one by one through the page source and unmapped on free. Every block is
 * zero-filled. An alignment above 16 is served by the smallest class that is a multiple of it, or by the larger
 * tiers.
 *
 * <h2>Segments, and what happens after a free</h2>
 * A segment from {@link #allocate} is exactly the size asked for (accesses past it throw
 * {@link IndexOutOfBoundsException}) and is bound to the scope of the arena, chunk or mapping its block lies in.
 * <b>No segment this allocator hands out can crash the JVM</b>: while its memory stays mapped, a segment used after
 * its block was freed reads and writes whatever the block holds next (a new owner's data: a bug in the caller, but
 * not a crash); once the memory goes back to the OS (a huge block's free, an empty arena or chunk released, or
 * {@link #close()}), any access through it throws {@link IllegalStateException}. The raw path ({@code long}
 * addresses) is exempt: an address is only a number, and using it after its memory is unmapped is the caller's
 * crash. A pooled {@link Arena} ({@link #newConfinedArena()}) invalidates its segments at close, as the JDK's do.
 *
 * <h2>Misuse</h2>
 * Misuse fails fast and changes nothing: a size outside {@code 1..maxAllocationBytes} (on the raw path; the segment
 * path returns an empty segment for 0, as every {@link SegmentAllocator} does) or an alignment that is not a power of
 * two up to 1 GiB throws {@link IllegalArgumentException}; freeing anything that is not a live block of this
 * allocator throws {@link InvalidFreeException} (an address it never handed out, an address inside a block, a block
 * already freed, a slice whose size the block cannot have, a segment of another scope); passing the reserved-bytes
 * limit throws {@link OutOfPoolMemoryException}, after what is only cached has been given back; every call after
 * {@link #close()} throws {@link IllegalStateException}.
 *
 * <h2>Threads</h2>
 * Any thread may free a block any thread allocated. Two threads that race to free one block (or to free and
 * reallocate it) cannot both succeed: exactly one wins and the other gets {@link InvalidFreeException}, in every
 * tier. Blocks freed by one thread go to its own cache and serve its next allocations; caches are bounded and flow
 * back to the shared pools in batches.
 *
 * <h2>Checked mode</h2>
 * {@link Builder#checked(boolean)} (or {@code -Doffpool.checked=true} for {@link #global()}) turns on what
 * {@code PYTHONMALLOC=debug} does for CPython, and more: guard bytes around every block, checked on free and by
 * {@link #verify()}, with a dump of what changed; fill patterns (0xCD fresh where zeroing is not promised, 0xDD freed);
 * a quarantine that keeps freed blocks out of use for a while; and on the segment path, use-after-free caught at the
 * access, each block's segment being bound to a scope its free closes. {@link #describe(long)} says where a block was
 * allocated and freed. It costs several times the default mode (see docs/BENCHMARKS.md); it is for finding bugs.
 *
 * <p>The allocator calls restricted FFM methods; run with {@code --enable-native-access=dev.offpool.core} (or
 * {@code ALL-UNNAMED}) to silence the JDK's warning.
 */
public final class OffPool implements SegmentAllocator, AutoCloseable {
    /** Default pool size of the small classes, as CPython's 64-bit build. */
    public static final int DEFAULT_POOL_SIZE_BYTES = 16 * 1024;
    /** Default arena size, as CPython's 64-bit build. */
    public static final long DEFAULT_ARENA_SIZE_BYTES = 1024 * 1024;
    /** Default largest small block, as CPython's {@code SMALL_REQUEST_THRESHOLD}. */
    public static final int DEFAULT_SMALL_MAX_BYTES = 512;
    /** Default largest medium block: the top of the pooled tiers. */
    public static final int DEFAULT_MEDIUM_MAX_BYTES = 64 * 1024;
    /** Default largest single allocation: 1 TiB. */
    public static final long DEFAULT_MAX_ALLOCATION_BYTES = 1L << 40;
    /** Default per-thread cache budget. */
    public static final long DEFAULT_THREAD_CACHE_BYTES = 1024 * 1024;
    /** Default checked-mode quarantine: freed bytes kept out of use. */
    public static final long DEFAULT_QUARANTINE_BYTES = 4L << 20;
    /** The name of {@link #global()}. */
    public static final String GLOBAL_NAME = "global";
    /** Numbers the default names of built allocators. */
    private static final AtomicInteger UNNAMED = new AtomicInteger();

    private static final MemorySegment.Scope GLOBAL_SCOPE = MemorySegment.NULL.scope();
    /** Where zero-byte segments point: a real, never-freed address aligned to 4 KiB, so it is never NULL. */
    private static final MemorySegment EMPTY = Arena.global().allocate(1, 4096).asSlice(0, 0);

    private final HeapConfig config;
    private final ReservedBytes reservedBytes;
    private final RegionMap regions;
    private final PoolTier pools;
    private final PoolFastPath fast;
    private final SizeClasses classes;
    private final LargeHeap large;
    private final HugeHeap huge;
    private final ArenaBacking arenaBacking = new PooledArenaBacking();
    /** Checked mode's layer, or null: every public entry point tests it first (one field, null by default). */
    private final CheckedHeap checked;
    /** Requests up to this size with alignment up to 16 take the pooled fast path. */
    private final long fastPathMaxBytes;
    private final boolean closeable;
    /** For JFR events, JMX beans and the occupancy map; see {@link Builder#name(String)}. */
    private final String name;
    private volatile boolean closed;

    private OffPool(HeapConfig config, boolean closeable, String name) {
        this.config = config;
        this.name = name;
        this.reservedBytes = new ReservedBytes(config.maxReservedBytes(), config.pageSource(), name);
        this.regions = new RegionMap(config.arenaShift());
        this.pools = new PoolTier(config.smallMaxBytes(), config.mediumMaxBytes(), config.poolSizeBytes(),
                config.arenaSizeBytes(), regions, reservedBytes, config.retainedUnusedPoolBytes(),
                config.threadCacheBytes(), config.virtualThreadStripes(), config.cacheTrimIntervalNanos(),
                config.scrubOnFree(), config.unusedPoolDecayNanos());
        this.fast = pools.fastPath();
        this.classes = pools.classes();
        this.large = new LargeHeap(regions, reservedBytes, config.largeChunkBytes(), config.largeMaxBytes(),
                Math.min(config.mediumMaxBytes() + 1L, config.largeMaxBytes()), config.scrubOnFree());
        this.huge = new HugeHeap(reservedBytes);
        this.fastPathMaxBytes = Math.min(classes.maxBytes(), config.maxAllocationBytes());
        this.closeable = closeable;
        this.checked = config.checked() ? new CheckedHeap(new Unchecked(), config.quarantineBytes(),
                config.recordStackTraces()) : null;
    }

    /** System property that turns checked mode on for {@link #global()}. */
    public static final String CHECKED_PROPERTY = "offpool.checked";
    /** System property that makes {@link #global()}'s checked mode record allocation and free stacks. */
    public static final String STACKS_PROPERTY = "offpool.checked.stacks";
    /** System property that turns scrub-on-free on for {@link #global()}. */
    public static final String SCRUB_PROPERTY = "offpool.scrubOnFree";

    // Tracked for JFR's periodic events only once constructed, so no other thread sees it half built.
    private static OffPool create(HeapConfig config, boolean closeable, String name) {
        OffPool pool = new OffPool(config, closeable, name);
        StatsAtExit.track(pool);
        JfrSupport.track(pool);
        return pool;
    }

    private static final class Global {
        static final OffPool INSTANCE = create(builder().checked(flag(CHECKED_PROPERTY))
                .recordStackTraces(flag(STACKS_PROPERTY)).scrubOnFree(flag(SCRUB_PROPERTY)).config(), false,
                GLOBAL_NAME);
    }

    /**
     * {@return the value of a boolean system property: absent or {@code false} is false, {@code true} is true}
     *
     * @throws IllegalArgumentException for any other value, so a typo such as {@code yes} is not silently ignored
     */
    static boolean flag(String property) {
        String value = System.getProperty(property);
        if (value == null || value.equalsIgnoreCase("false")) {
            return false;
        }
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        throw new IllegalArgumentException("system property " + property + " must be true or false, was \"" + value
                + "\"");
    }

    /** The operations beneath checked mode: validated requests, any tier, no guards. */
    private final class Unchecked implements UncheckedBlocks {
        @Override
        public long allocate(long byteSize, long byteAlignment, boolean zero) {
            return allocateAddressSlow(byteSize, byteAlignment, zero);
        }

        @Override
        public void free(long address) {
            freeUnchecked(address);
        }

        @Override
        public MemorySegment memory(long address, long byteSize) {
            return segmentOf(address, byteSize);
        }
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
     * @throws OutOfPoolMemoryException if the reserved-bytes limit (or the page source) refuses even after cached
     *                                  memory was given back
     * @throws IllegalStateException    if the allocator is closed
     */
    public long allocateAddress(long byteSize) {
        return allocateAddress(byteSize, 1);
    }

    /**
     * Allocates {@code byteSize} zeroed bytes at an address that is a multiple of {@code byteAlignment} (and of 16).
     *
     * @param byteSize      the size, {@code 1..maxAllocationBytes}
     * @param byteAlignment a power of two up to 1 GiB
     * @return the block's address
     * @throws IllegalArgumentException if the size or alignment is out of range
     * @throws OutOfPoolMemoryException if the reserved-bytes limit (or the page source) refuses even after cached
     *                                  memory was given back
     * @throws IllegalStateException    if the allocator is closed
     */
    public long allocateAddress(long byteSize, long byteAlignment) {
        checkOpen();
        if (byteSize > 0 && byteSize <= fastPathMaxBytes && isSmallAlignment(byteAlignment) && checked == null) {
            try {
                long address = fast.allocate(classes.classFor(byteSize), byteSize, PoolTier.LIVE);
                AllocationSampler.sample(name, byteSize, address); // inlined to nothing unless JFR records
                return address;
            } catch (OutOfPoolMemoryException | IllegalStateException e) {
                // fall through to the slow path: it gives back cached memory and retries, or names the closed state
            }
        }
        if (checked != null) {
            Requests.check(byteSize, byteAlignment, config.maxAllocationBytes());
            return checked.allocateAddress(byteSize, byteAlignment, true);
        }
        return allocateAddressSlow(byteSize, byteAlignment, true);
    }

    /**
     * Allocates {@code byteSize} bytes aligned to 16 without clearing them: what {@code malloc} gives, for callers
     * that write every byte before reading (JNA's {@code Memory}, I/O buffers filled by a read). Blocks carved from
     * fresh memory still read as zero; a reused block holds what its last owner left (0xCD in checked mode; zeros
     * with {@link Builder#scrubOnFree}: the allocator keeps nothing of its own in a block).
     *
     * @param byteSize the size, {@code 1..maxAllocationBytes}
     * @return the block's address; free it with {@link #freeAddress(long)}
     * @throws IllegalArgumentException if the size is out of range
     * @throws OutOfPoolMemoryException if the reserved-bytes limit (or the page source) refuses even after cached
     *                                  memory was given back
     * @throws IllegalStateException    if the allocator is closed
     */
    public long allocateAddressUninitialized(long byteSize) {
        checkOpen();
        if (byteSize > 0 && byteSize <= fastPathMaxBytes && checked == null) {
            try {
                long address = fast.allocate(classes.classFor(byteSize), 0, PoolTier.LIVE);
                AllocationSampler.sample(name, byteSize, address);
                return address;
            } catch (OutOfPoolMemoryException | IllegalStateException e) {
                // fall through to the slow path
            }
        }
        if (checked != null) {
            Requests.check(byteSize, 1, config.maxAllocationBytes());
            return checked.allocateAddress(byteSize, 1, false);
        }
        return allocateAddressSlow(byteSize, 1, false);
    }

    private static boolean isSmallAlignment(long byteAlignment) {
        return ((byteAlignment - 1) & ~15L) == 0 && (byteAlignment & (byteAlignment - 1)) == 0;
    }

    private long allocateAddressSlow(long byteSize, long byteAlignment, boolean zero) {
        Requests.check(byteSize, byteAlignment, config.maxAllocationBytes());
        long address;
        try {
            address = allocateInTier(byteSize, byteAlignment, zero);
        } catch (OutOfPoolMemoryException e) {
            if (!worthReclaiming(e, byteSize)) {
                throw failed(e, byteSize, byteAlignment);
            }
            reclaimCached();
            try {
                address = allocateInTier(byteSize, byteAlignment, zero);
            } catch (OutOfPoolMemoryException again) {
                throw failed(again, byteSize, byteAlignment);
            }
        } catch (IllegalStateException e) {
            throw closedOr(e);
        }
        AllocationSampler.sample(name, byteSize, address);
        return address;
    }

    // An allocation fails: tell JFR on the caller's thread, so the event carries the caller's stack.
    private OutOfPoolMemoryException failed(OutOfPoolMemoryException e, long byteSize, long byteAlignment) {
        HeapEvents.allocationFailed(name, byteSize, byteAlignment, e, reservedBytes.current(), reservedBytes.limit());
        return e;
    }

    // A validated request, any tier; no retry.
    private long allocateInTier(long byteSize, long byteAlignment, boolean zero) {
        checkOpen();
        int sizeClass = byteSize <= classes.maxBytes() ? classes.classFor(byteSize, byteAlignment) : -1;
        if (sizeClass >= 0) {
            return fast.allocate(sizeClass, zero ? byteSize : 0, stateFor(sizeClass, byteSize));
        }
        if (byteSize <= config.largeMaxBytes() && byteAlignment <= LargeHeap.MAX_ALIGNMENT_BYTES) {
            return large.allocate(byteSize, byteAlignment, false, zero);
        }
        return huge.allocate(byteSize, byteAlignment, false).base; // a fresh mapping reads as zero
    }

    // A block of a class chosen for its alignment may be bigger than the size's own class: any size names it.
    private byte stateFor(int sizeClass, long byteSize) {
        return classes.classFor(byteSize) == sizeClass ? PoolTier.LIVE : PoolTier.LIVE_ALIGNED;
    }

    /**
     * Frees a block allocated by {@link #allocateAddress} (or {@link #allocate}). Any thread may free any block.
     *
     * @param address the address {@code allocateAddress} returned
     * @throws InvalidFreeException  if it is not a live block of this allocator (never handed out, inside a block,
     *                               already freed, held by a pooled arena, being reallocated); nothing changes then
     * @throws IllegalStateException if the allocator is closed
     */
    public void freeAddress(long address) {
        checkOpen();
        if (checked != null) {
            try {
                checked.free(address, null, "free");
            } catch (InvalidFreeException e) {
                throw rejected(e, "free", address, -1);
            }
            return;
        }
        freeUnchecked(address);
    }

    private void freeUnchecked(long address) {
        try {
            // ---- hot path: the pooled tiers' free is in PoolFastPath ----
            if (!fast.free(address, -1, null)) {
                freeBeyondPools(regions.find(address), address, -1, "free");
            }
        } catch (InvalidFreeException | IllegalStateException e) {
            throw rejected(e, "free", address, -1);
        }
    }

    // A call that raced close() may find its region already gone: say why.
    private RuntimeException closedOr(RuntimeException e) {
        return closed ? Requests.closed() : e;
    }

    // As closedOr; an invalid free is also told to JFR on the caller's thread, so the event carries its stack.
    private RuntimeException rejected(RuntimeException e, String op, long address, long segmentBytes) {
        RuntimeException cause = closedOr(e);
        if (cause instanceof InvalidFreeException invalid) {
            HeapEvents.invalidFree(name, op, address, segmentBytes, invalid);
        }
        return cause;
    }

    private void freeBeyondPools(Region region, long address, long segmentBytes, String op) {
        if (region != null) {
            large.free(address, segmentBytes, op);
        } else if (huge.free(address, segmentBytes, op) < 0) {
            throw Requests.foreign(op, address);
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Segment path.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * Allocates a zeroed segment of exactly {@code byteSize} bytes, aligned to {@code byteAlignment} (and to 16),
     * bound to the scope of the memory its block lies in (see the class comment). A zero-byte request returns an
     * empty segment at a non-NULL address, which is no block and needs no free.
     *
     * @param byteSize      the size, {@code 0..maxAllocationBytes}
     * @param byteAlignment a power of two up to 1 GiB
     * @return the segment
     * @throws IllegalArgumentException if the size or alignment is out of range
     * @throws OutOfPoolMemoryException if the reserved-bytes limit (or the page source) refuses even after cached
     *                                  memory was given back
     * @throws IllegalStateException    if the allocator is closed
     */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        checkOpen();
        if (byteSize > 0 && byteSize <= fastPathMaxBytes && isSmallAlignment(byteAlignment) && checked == null) {
            try {
                MemorySegment segment = fast.allocateSegment(classes.classFor(byteSize), byteSize, PoolTier.LIVE);
                AllocationSampler.sample(name, byteSize, segment.address()); // inlined to nothing unless JFR records
                return segment;
            } catch (OutOfPoolMemoryException | IllegalStateException e) {
                // fall through to the slow path: it gives back cached memory and retries, or names the closed state
            }
        }
        return allocateSegmentSlow(byteSize, byteAlignment);
    }

    private MemorySegment allocateSegmentSlow(long byteSize, long byteAlignment) {
        if (byteSize == 0) {
            Requests.checkAlignment(byteAlignment);
            return byteAlignment <= 4096 ? EMPTY : MemorySegment.ofAddress(byteAlignment);
        }
        if (checked != null) {
            Requests.check(byteSize, byteAlignment, config.maxAllocationBytes());
            return checked.allocate(byteSize, byteAlignment);
        }
        long address = allocateAddressSlow(byteSize, byteAlignment, true);
        return segmentOf(address, byteSize);
    }

    private MemorySegment segmentOf(long address, long byteSize) {
        Region region = regions.find(address);
        if (region == null) {
            region = huge.find(address);
        }
        return region.memory.asSlice(address - region.base, byteSize);
    }

    /**
     * Frees a segment returned by {@link #allocate} or {@link #reallocate}.
     *
     * <p>What the address and size can tell: the address must be a live block's start, and the size one a request
     * for that block could have had, so {@code seg.asSlice(0, 8)} of a 64-byte block, a zero-length slice, or a slice
     * at an offset are rejected. A slice at offset 0 whose size still rounds to the block's class (a 60-byte slice of
     * a 64-byte block) cannot be told from the block and frees it; so can a block allocated with an alignment above
     * 16, which any size up to its block names. A segment of a pooled arena (its own scope) is rejected; a
     * global-scope segment over a live block (made from an address the raw path returned) is accepted.
     *
     * @param segment a segment {@code allocate} returned
     * @throws InvalidFreeException  if it is not a live block of this allocator, as above; nothing changes then
     * @throws IllegalStateException if the allocator is closed
     */
    public void free(MemorySegment segment) {
        checkOpen();
        long address = checkSegment(segment, "free");
        if (checked != null) {
            try {
                checked.free(address, segment, "free");
            } catch (InvalidFreeException e) {
                throw rejected(e, "free", address, segment.byteSize());
            }
            return;
        }
        long byteSize = segment.byteSize();
        try {
            if (fast.free(address, byteSize, segment.scope())) {
                return;
            }
            Region region = regions.find(address);
            checkScope(segment, region, address, "free");
            freeBeyondPools(region, address, byteSize, "free");
        } catch (InvalidFreeException | IllegalStateException e) {
            throw rejected(e, "free", address, byteSize);
        }
    }

    private long checkSegment(MemorySegment segment, String op) {
        Objects.requireNonNull(segment, "segment");
        if (!segment.isNative()) {
            throw rejected(Requests.heapSegment(op), op, segment.address(), segment.byteSize());
        }
        if (segment.byteSize() == 0) {
            throw rejected(Requests.emptySegment(op, segment.address()), op, segment.address(), 0);
        }
        return segment.address();
    }

    private void checkScope(MemorySegment segment, Region region, long address, String op) {
        MemorySegment.Scope scope = segment.scope();
        if (scope.equals(GLOBAL_SCOPE)) {
            return;
        }
        Region owner = region != null ? region : huge.containing(address);
        if (owner == null) {
            throw Requests.foreign(op, address);
        }
        if (!scope.equals(owner.memory.scope())) {
            throw Requests.foreignScope(op, address);
        }
    }

    /**
     * Resizes a block, keeping its first {@code min(old, new)} bytes; bytes past the old size read as zero.
     *
     * <p>The block stays where it is when the new size falls in its size class (or, in the large tier, rounds to
     * the same block; in the huge tier, fits the mapping and uses over half of it); otherwise a new block is
     * allocated, the contents copied and the old block freed, so {@code segment} must not be used after this call
     * either way. Alignment beyond 16 is kept only in place.
     *
     * <p>A reallocate races a free of the same block (or another reallocate) safely: exactly one wins, and the loser
     * throws {@link InvalidFreeException} and leaves nothing behind.
     *
     * @param segment     a segment returned by {@link #allocate} or {@link #reallocate}
     * @param newByteSize the new size, {@code 1..maxAllocationBytes}
     * @return a segment of exactly {@code newByteSize} bytes
     * @throws InvalidFreeException     if {@code segment} is not a live block of this allocator, as {@link #free}
     *                                  decides; nothing changes then
     * @throws IllegalArgumentException if the new size is out of range
     * @throws OutOfPoolMemoryException if a new block is needed and cannot be had; the old one is untouched then
     * @throws IllegalStateException    if the allocator is closed
     */
    public MemorySegment reallocate(MemorySegment segment, long newByteSize) {
        checkOpen();
        long address = checkSegment(segment, "reallocate");
        if (newByteSize <= 0 || newByteSize > config.maxAllocationBytes()) {
            throw Requests.badSize(newByteSize, config.maxAllocationBytes());
        }
        long oldBytes = segment.byteSize();
        if (checked != null) {
            try {
                return checked.reallocate(segment, newByteSize);
            } catch (InvalidFreeException e) {
                throw rejected(e, "reallocate", address, oldBytes);
            }
        }
        Region region = regions.find(address);
        try {
            checkScope(segment, region, address, "reallocate");
            if (region != null && region.kind == Region.POOLED) {
                return reallocatePooled(region, address, oldBytes, newByteSize);
            }
            if (region != null) {
                return reallocateLarge(address, oldBytes, newByteSize);
            }
            HugeHeap.Mapping mapping = huge.claim(address, oldBytes);
            if (mapping == null) {
                throw Requests.foreign("reallocate", address);
            }
            return reallocateHuge(mapping, oldBytes, newByteSize);
        } catch (InvalidFreeException | IllegalStateException e) {
            throw rejected(e, "reallocate", address, oldBytes);
        }
    }

    private MemorySegment reallocatePooled(Region region, long address, long oldBytes, long newByteSize) {
        BlockClaim claim = pools.claim(region, address, oldBytes);
        long offset = address - region.base;
        boolean inPlace = classes.classFor(newByteSize) == claim.sizeClass()
                || (claim.sizedFreely() && newByteSize <= claim.blockSize());
        try {
            if (inPlace) {
                if (newByteSize > oldBytes) {
                    Zeroing.zero(region.memory, offset + oldBytes, newByteSize - oldBytes);
                }
                pools.finishInPlace(claim, newByteSize);
                return region.memory.asSlice(offset, newByteSize);
            }
            MemorySegment moved = allocate(newByteSize, 1);
            MemorySegment.copy(region.memory, offset, moved, 0, Math.min(oldBytes, newByteSize));
            pools.releaseClaimed(claim);
            return moved;
        } catch (RuntimeException | Error e) {
            pools.unclaim(claim);
            throw e;
        }
    }

    private MemorySegment reallocateLarge(long address, long oldBytes, long newByteSize) {
        long usable = large.claim(address, oldBytes);
        boolean freeOld = false;
        long kept = -1;
        try {
            if (LargeHeap.sizeFits(newByteSize, usable)) {
                MemorySegment resized = large.segment(address, newByteSize);
                if (newByteSize > oldBytes) {
                    resized.asSlice(oldBytes).fill((byte) 0);
                }
                kept = newByteSize;
                return resized;
            }
            MemorySegment moved = allocate(newByteSize, 1);
            MemorySegment.copy(large.segment(address, oldBytes), 0, moved, 0, Math.min(oldBytes, newByteSize));
            freeOld = true;
            return moved;
        } finally {
            large.endClaim(address, freeOld, kept);
        }
    }

    private MemorySegment reallocateHuge(HugeHeap.Mapping mapping, long oldBytes, long newByteSize) {
        long mapped = mapping.end - mapping.base;
        if (newByteSize <= mapped && newByteSize > mapped / 2) {
            if (newByteSize > oldBytes) {
                Zeroing.zero(mapping.memory, oldBytes, newByteSize - oldBytes);
            }
            huge.keepClaimed(mapping, newByteSize);
            return mapping.segment();
        }
        MemorySegment moved;
        try {
            moved = allocate(newByteSize, 1);
            MemorySegment.copy(mapping.memory, 0, moved, 0, Math.min(oldBytes, newByteSize));
        } catch (RuntimeException | Error e) {
            huge.keepClaimed(mapping, oldBytes);
            throw e;
        }
        huge.releaseClaimed(mapping);
        return moved;
    }

    // -----------------------------------------------------------------------------------------------------------
    // Arenas.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * Opens a confined {@link Arena} whose allocations come from this allocator, answering every call as
     * {@link Arena#ofConfined()} would: its segments are bound to its scope (after {@link Arena#close()} any access
     * throws {@link IllegalStateException}), every block goes back to the pools at close, only the opening thread
     * may allocate or close ({@link WrongThreadException} otherwise), and a request the allocator cannot serve throws
     * {@link OutOfMemoryError}. Its memory stays mapped until it closes, even if this allocator closes first; it then
     * behaves as a closed arena.
     *
     * @return a new arena
     * @throws IllegalStateException if the allocator is closed
     */
    public Arena newConfinedArena() {
        checkOpen();
        return new PooledArena(arenaBacking, Arena.ofConfined(), false);
    }

    /**
     * Opens a shared {@link Arena} backed by this allocator, answering every call as {@link Arena#ofShared()} would:
     * any thread may allocate and close it; closing it costs what closing {@code Arena.ofShared()} costs (a handshake
     * with every thread).
     *
     * @return a new arena
     * @throws IllegalStateException if the allocator is closed
     */
    public Arena newSharedArena() {
        checkOpen();
        return new PooledArena(arenaBacking, Arena.ofShared(), true);
    }

    /** Blocks for pooled arenas: held (state ARENA, region hold), freed only by the arena's close. */
    private final class PooledArenaBacking implements ArenaBacking {
        @Override
        public Block allocate(long byteSize, long byteAlignment) {
            if (closed) {
                throw new IllegalStateException("Already closed");
            }
            if (byteSize > config.maxAllocationBytes() || byteAlignment > Requests.MAX_ALIGNMENT_BYTES) {
                throw outOfMemory(byteSize, new IllegalArgumentException(byteSize > config.maxAllocationBytes()
                        ? Requests.badSize(byteSize, config.maxAllocationBytes()).getMessage()
                        : "alignment " + byteAlignment + " is over the largest served, "
                        + Requests.MAX_ALIGNMENT_BYTES + " bytes"));
            }
            Block block;
            try {
                block = take(byteSize, byteAlignment);
            } catch (OutOfPoolMemoryException e) {
                if (!worthReclaiming(e, byteSize)) {
                    throw outOfMemory(byteSize, failed(e, byteSize, byteAlignment));
                }
                reclaimCached();
                try {
                    block = take(byteSize, byteAlignment);
                } catch (OutOfPoolMemoryException again) {
                    throw outOfMemory(byteSize, failed(again, byteSize, byteAlignment));
                }
            }
            AllocationSampler.sample(name, byteSize, block.address());
            block.region().addHold();
            if (closed) { // close() ran since the check above and may have released the region: back out
                free(block);
                throw new IllegalStateException("Already closed");
            }
            return block;
        }

        private Block take(long byteSize, long byteAlignment) {
            int sizeClass = byteSize <= classes.maxBytes() ? classes.classFor(byteSize, byteAlignment) : -1;
            long address;
            Region region;
            if (sizeClass >= 0) {
                address = fast.allocate(sizeClass, byteSize, PoolTier.ARENA);
                region = regions.find(address);
            } else if (byteSize <= config.largeMaxBytes() && byteAlignment <= LargeHeap.MAX_ALIGNMENT_BYTES) {
                address = large.allocate(byteSize, byteAlignment, true, true);
                region = regions.find(address);
            } else {
                HugeHeap.Mapping mapping = huge.allocate(byteSize, byteAlignment, true);
                address = mapping.base;
                region = mapping;
            }
            return new Block(address, region);
        }

        @Override
        public void free(Block block) {
            Region region = block.region();
            try {
                switch (region.kind) {
                    case Region.POOLED -> pools.freeArenaBlock(region, block.address());
                    case Region.LARGE -> large.freeArenaBlock(block.address());
                    default -> huge.freeArenaBlock((HugeHeap.Mapping) region);
                }
            } finally {
                region.dropHold();
            }
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        private static OutOfMemoryError outOfMemory(long byteSize, Throwable cause) {
            OutOfMemoryError error = new OutOfMemoryError("Unable to allocate " + byteSize + " bytes from offpool: "
                    + cause.getMessage());
            error.initCause(cause);
            return error;
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Inspection and lifecycle.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * Takes a snapshot of the heap, built whole: every figure is non-negative and the byte accounting adds up even
     * while other threads allocate (see {@link PoolStats} for the one split that is read in passing). Dead threads'
     * caches are returned first.
     *
     * @return the snapshot
     * @throws IllegalStateException if the allocator is closed
     */
    public PoolStats stats() {
        checkOpen();
        pools.sweep();
        PoolTier.Figures f = pools.figures();
        return new PoolStats(reservedBytes.source().name(), reservedBytes.current(), reservedBytes.limit(), f.rows(),
                f.arenasAllocatedTotal(), f.arenasReclaimed(), f.arenasHighwater(), f.arenasCurrent(),
                f.bytesInArenas(), f.bytesInAllocatedBlocks(), f.bytesInCachedBlocks(), f.bytesInAvailableBlocks(),
                f.bytesInUnusedPools(), f.bytesLostToQuantization(), f.heapMetadataBytes() + regions.heapBytes(),
                f.poolsDiscarded(), f.bytesInDiscardedPools(), large.stats(), huge.stats());
    }

    /**
     * Takes a complete picture of where the memory is: every pool arena with the state, class and fill of each of its
     * pools; every large chunk with its live and free blocks; every huge mapping. Each tier is read under its own
     * locks (see {@link OccupancyMap} for what that guarantees). Dead threads' caches are returned first. Render it
     * with {@link OccupancyMap#writeHtml(Appendable)}.
     *
     * <p>It reads every carved block's state byte while holding every lock of the pool tiers, so refills and spills
     * of the thread caches wait for it: meant for diagnosis, not for a tight loop.
     *
     * @return the snapshot
     * @throws IllegalStateException if the allocator is closed
     */
    public OccupancyMap occupancy() {
        checkOpen();
        pools.sweep();
        return new OccupancyMap(name, reservedBytes.source().name(), reservedBytes.current(), reservedBytes.limit(),
                pools.occupancy(), large.occupancy(), huge.occupancy());
    }

    /**
     * Walks the whole heap and checks its invariants: arenas do not overlap and sit in the right buckets; every
     * pool's counts match its free bitmap, carve mark, block states and the blocks cached for it; no block is on two
     * lists; the large tier's chunks are tiled exactly; every byte is accounted for. Call it while no other thread
     * uses the allocator.
     *
     * @throws HeapCorruptionException naming the first broken invariant
     * @throws IllegalStateException   if the allocator is closed
     */
    public void verify() {
        checkOpen();
        if (checked != null) {
            checked.verify();
        }
        pools.sweep();
        pools.verify();
        large.verify();
        PoolTier.Figures f = pools.figures();
        long accounted = f.bytesInAllocatedBlocks() + f.bytesInCachedBlocks() + f.bytesInAvailableBlocks()
                + f.bytesInUnusedPools() + f.bytesLostToQuantization();
        if (accounted != f.bytesInArenas()) {
            throw new HeapCorruptionException("byte accounting adds up to " + accounted + " but " + f.arenasCurrent()
                    + " arenas hold " + f.bytesInArenas());
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
        if (checked != null) {
            checked.drainQuarantine();
        }
        reclaimCached();
    }

    /**
     * {@return what the allocator knows of {@code address}} In checked mode: a live or freed checked block, its size,
     * and (with stack recording) where it was allocated and freed; the place to look when a segment access threw
     * {@link IllegalStateException} after a free. Otherwise: whether it is a live block, and of what tier and size.
     *
     * @throws IllegalStateException if the allocator is closed
     */
    public String describe(long address) {
        checkOpen();
        if (checked != null) {
            return checked.explain(address);
        }
        Region region = regions.find(address);
        long usable = region == null ? huge.usableSize(address) : region.kind == Region.POOLED
                ? pools.usableSize(region, address) : large.usableSize(address);
        String tier = region == null ? "huge" : region.kind == Region.POOLED ? "pooled" : "large";
        return usable >= 0 ? "live " + tier + " block of " + usable + " usable bytes at " + Requests.hex(address)
                : region == null && huge.containing(address) == null ? Requests.foreign("describe", address)
                .getMessage() : "no live block starts at " + Requests.hex(address) + " (in a " + tier + " region)";
    }

    // Only the limit can be eased by giving cached memory back, and not for a request bigger than the limit itself;
    // a page-source refusal (say, mmap of an exabyte) leaves the heap exactly as it was.
    private boolean worthReclaiming(OutOfPoolMemoryException e, long byteSize) {
        return e.limitReached() && byteSize <= reservedBytes.limit();
    }

    private void reclaimCached() {
        if (checked != null) {
            checked.drainQuarantine(); // freed blocks held back for checking are only held, like a cache
        }
        pools.trim();
        large.trim();
    }

    /**
     * {@return the largest request the small tier (pymalloc's 16-byte classes) serves}
     *
     * @throws IllegalStateException if the allocator is closed
     */
    public long smallThresholdBytes() {
        checkOpen();
        return config.smallMaxBytes();
    }

    /**
     * {@return the largest request the pooled tiers (small and medium classes, with thread caches) serve}
     *
     * @throws IllegalStateException if the allocator is closed
     */
    public long pooledMaxBytes() {
        checkOpen();
        return classes.maxBytes();
    }

    /**
     * {@return bytes reserved from the page source now}
     *
     * @throws IllegalStateException if the allocator is closed
     */
    public long reservedBytes() {
        checkOpen();
        return reservedBytes.current();
    }

    /**
     * {@return true once {@link #close()} has run} With {@link #name()}, one of the two calls that work after close.
     */
    public boolean isClosed() {
        return closed;
    }

    /**
     * {@return this allocator's name, as JFR events, JMX object names and the occupancy map show it:
     * {@value #GLOBAL_NAME} for {@link #global()}, otherwise what {@link Builder#name(String)} set or
     * {@code pool-N}} Works after close too.
     */
    public String name() {
        return name;
    }

    /**
     * Releases every arena, chunk and mapping to the page source; every block and segment of this allocator becomes
     * invalid (accesses through its segments throw {@link IllegalStateException}), and later calls throw
     * {@link IllegalStateException}. Calls racing the close either complete or throw {@code IllegalStateException};
     * none can crash the JVM. Memory an open pooled arena holds stays mapped until that arena closes.
     *
     * @throws UnsupportedOperationException on {@link #global()}
     * @throws IllegalStateException         if already closed
     */
    @Override
    public void close() {
        if (!closeable) {
            throw new UnsupportedOperationException("the global allocator cannot be closed");
        }
        if (!isClosed()) {
            StatsAtExit.closing(this);          // -Doffpool.stats=exit: a closed allocator has no stats left
        }
        synchronized (this) {
            checkOpen();
            closed = true;
        }
        if (checked != null) {
            checked.close();
        }
        pools.close();
        large.close();
        huge.close();
    }

    private void checkOpen() {
        if (closed) {
            throw Requests.closed();
        }
    }

    /**
     * Builds a separate allocator. Every setter validates at once and throws {@link IllegalArgumentException} naming
     * the bad value and the accepted range; {@link #build()} checks how the settings fit together.
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
        /** The most caches shared by virtual threads. */
        public static final int MAX_VIRTUAL_THREAD_STRIPES = 1024;
        /** The longest allocator name. */
        public static final int MAX_NAME_LENGTH = 64;
        /** The largest thread-cache budget. */
        public static final long MAX_THREAD_CACHE_BYTES = 1L << 30;
        /** The largest medium class. */
        public static final int MAX_MEDIUM_MAX_BYTES = 256 * 1024;
        /** The longest cache trim interval. */
        public static final Duration MAX_CACHE_TRIM_INTERVAL = Duration.ofHours(1);
        /**
         * The largest value {@link #maxAllocationBytes} takes: 4 EiB, past any address space, so that beyond the OS's
         * own limit it is the page source's refusal that stops a request, as a clean {@link OutOfPoolMemoryException}.
         */
        public static final long MAX_ALLOCATION_LIMIT_BYTES = 1L << 62;

        private int poolSizeBytes = DEFAULT_POOL_SIZE_BYTES;
        private long arenaSizeBytes = DEFAULT_ARENA_SIZE_BYTES;
        private int smallMaxBytes = DEFAULT_SMALL_MAX_BYTES;
        private int mediumMaxBytes = DEFAULT_MEDIUM_MAX_BYTES;
        private long maxReservedBytes = Long.MAX_VALUE;
        private long threadCacheBytes = DEFAULT_THREAD_CACHE_BYTES;
        private int virtualThreadStripes = Math.min(MAX_VIRTUAL_THREAD_STRIPES, Integer.highestOneBit(Math.max(1,
                Runtime.getRuntime().availableProcessors()) * 2));
        private Duration cacheTrimInterval = Duration.ofSeconds(1);
        private PageSource pageSource;
        private long retainedUnusedPoolBytes = DEFAULT_ARENA_SIZE_BYTES;
        private long maxAllocationBytes = DEFAULT_MAX_ALLOCATION_BYTES;
        private long largeMaxBytes = LargeHeap.DEFAULT_MAX_BLOCK_BYTES;
        private long largeChunkBytes = LargeHeap.DEFAULT_CHUNK_BYTES;
        private boolean scrubOnFree;
        private boolean checked;
        private long quarantineBytes = DEFAULT_QUARANTINE_BYTES;
        private boolean recordStackTraces;
        private Duration unusedPoolDecay = Duration.ofSeconds(1);
        private String name;

        private Builder() {
        }

        /**
         * @param name the allocator's name in JFR events, JMX object names and the occupancy map: 1 to
         *             {@value #MAX_NAME_LENGTH} letters, digits, {@code '.'}, {@code '_'} or {@code '-'}, not
         *             {@value OffPool#GLOBAL_NAME} (default {@code pool-N}, N counting the allocators built without a
         *             name). Names need not be unique, but two allocators of one name cannot both register JMX beans.
         * @return this builder
         * @throws NullPointerException     if {@code name} is null
         * @throws IllegalArgumentException if it is empty, too long, holds another character, or is
         *                                  {@value OffPool#GLOBAL_NAME}
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            require(!name.isEmpty() && name.length() <= MAX_NAME_LENGTH && name.chars().allMatch(ch -> ch < 128
                    && (Character.isLetterOrDigit(ch) || ch == '.' || ch == '_' || ch == '-')), "name must be 1 to "
                    + MAX_NAME_LENGTH + " ASCII letters, digits, '.', '_' or '-', was \"" + name + "\"");
            require(!name.equals(GLOBAL_NAME), "the name \"" + GLOBAL_NAME + "\" is the global allocator's");
            this.name = name;
            return this;
        }

        /**
         * @param decay how long an unused pool keeps its pages before they are discarded through the page source:
         *              zero (at once) to one hour (default 1 s). A burst of frees that the next burst of allocations
         *              refills then costs no page faults; memory idle for longer goes back to the OS.
         * @return this builder
         * @throws IllegalArgumentException if null, negative or over an hour
         */
        public Builder unusedPoolDecay(Duration decay) {
            require(decay != null && !decay.isNegative() && decay.compareTo(Duration.ofHours(1)) <= 0,
                    "unused-pool decay must be from zero to PT1H, was " + decay);
            this.unusedPoolDecay = decay;
            return this;
        }

        /**
         * @param scrub clear every block as it is freed, so no caller's data outlives its free (the next
         *              allocation of that block then needs no clearing) (default off)
         * @return this builder
         */
        public Builder scrubOnFree(boolean scrub) {
            this.scrubOnFree = scrub;
            return this;
        }

        /**
         * @param on checked mode: guards, fill patterns, quarantine, use-after-free caught at the access (default
         *           off; {@code -Doffpool.checked=true} for the global allocator). See the class comment.
         * @return this builder
         */
        public Builder checked(boolean on) {
            this.checked = on;
            return this;
        }

        /**
         * @param bytes in checked mode, how many bytes of freed blocks stay out of use before they are reused: 0 to
         *              1 TiB (default 4 MiB)
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder quarantineBytes(long bytes) {
            require(bytes >= 0 && bytes <= (1L << 40), "quarantine must be 0..1099511627776 bytes, was " + bytes);
            this.quarantineBytes = bytes;
            return this;
        }

        /**
         * @param on in checked mode, capture where every block is allocated and freed, for the reports and
         *           {@link OffPool#describe(long)} (costs a stack walk per call; default off,
         *           {@code -Doffpool.checked.stacks=true} for the global allocator)
         * @return this builder
         */
        public Builder recordStackTraces(boolean on) {
            this.recordStackTraces = on;
            return this;
        }

        /**
         * @param bytes the pool size of the small classes: a power of two from 4 KiB to 16 MiB (default 16 KiB)
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder poolSizeBytes(int bytes) {
            require(bytes >= 4096 && bytes <= (16 << 20) && Integer.bitCount(bytes) == 1,
                    "pool size must be a power of two from 4096 to 16777216, was " + bytes);
            this.poolSizeBytes = bytes;
            return this;
        }

        /**
         * @param bytes the arena size: a power of two from 8 KiB to 1 GiB, holding at least two pools (default 1 MiB)
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder arenaSizeBytes(long bytes) {
            require(bytes >= 8192 && bytes <= (1L << 30) && Long.bitCount(bytes) == 1,
                    "arena size must be a power of two from 8192 to 1073741824, was " + bytes);
            this.arenaSizeBytes = bytes;
            return this;
        }

        /**
         * @param bytes the largest small request: a multiple of 16 from 16 to 4 MiB, at most a quarter of the pool
         *              (default 512)
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder smallMaxBytes(int bytes) {
            require(bytes >= 16 && bytes <= (4 << 20) && bytes % 16 == 0,
                    "small threshold must be a multiple of 16 from 16 to 4194304, was " + bytes);
            this.smallMaxBytes = bytes;
            return this;
        }

        /**
         * @param bytes the largest request the pooled tiers serve (medium classes above the small threshold, spaced
         *              about 1/8 apart): a multiple of 16 up to {@value #MAX_MEDIUM_MAX_BYTES}, at least the small
         *              threshold (default 64 KiB); set it to the small threshold for no medium classes
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder mediumMaxBytes(int bytes) {
            require(bytes >= 16 && bytes <= MAX_MEDIUM_MAX_BYTES && bytes % 16 == 0,
                    "medium maximum must be a multiple of 16 from 16 to " + MAX_MEDIUM_MAX_BYTES + ", was " + bytes);
            this.mediumMaxBytes = bytes;
            return this;
        }

        /**
         * @param bytes the most bytes the allocator may reserve from its page source, positive (default unlimited)
         * @return this builder
         * @throws IllegalArgumentException if not positive
         */
        public Builder maxReservedBytes(long bytes) {
            require(bytes > 0, "reserved-bytes limit must be positive, was " + bytes);
            this.maxReservedBytes = bytes;
            return this;
        }

        /**
         * @param bytes the most free-block bytes one thread may keep cached, exactly: 0 (caching off) to 1 GiB
         *              (default 1 MiB). A class whose block is bigger than this is not cached.
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder threadCacheBytes(long bytes) {
            require(bytes >= 0 && bytes <= MAX_THREAD_CACHE_BYTES, "thread cache size must be 0.."
                    + MAX_THREAD_CACHE_BYTES + ", was " + bytes);
            this.threadCacheBytes = bytes;
            return this;
        }

        /**
         * @param stripes caches shared by virtual threads: a power of two from 1 to
         *                {@value #MAX_VIRTUAL_THREAD_STRIPES} (default twice the processors)
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder virtualThreadStripes(int stripes) {
            require(stripes > 0 && stripes <= MAX_VIRTUAL_THREAD_STRIPES && Integer.bitCount(stripes) == 1,
                    "virtual-thread stripes must be a power of two from 1 to " + MAX_VIRTUAL_THREAD_STRIPES
                            + ", was " + stripes);
            this.virtualThreadStripes = stripes;
            return this;
        }

        /**
         * @param interval how long a thread keeps a full cache before handing half back: zero to one hour
         *                 (default 1 s)
         * @return this builder
         * @throws IllegalArgumentException if null, negative or over an hour
         */
        public Builder cacheTrimInterval(Duration interval) {
            require(interval != null && !interval.isNegative() && interval.compareTo(MAX_CACHE_TRIM_INTERVAL) <= 0,
                    "trim interval must be from zero to " + MAX_CACHE_TRIM_INTERVAL + ", was " + interval);
            this.cacheTrimInterval = interval;
            return this;
        }

        /**
         * @param bytes the least bytes of unused pools (per pool size) that may stay resident before the oldest are
         *              discarded through the page source, whatever their age; the allowance grows to an eighth of
         *              the pools in use. 0 to 1 TiB (default 1 MiB). See also {@link #unusedPoolDecay}.
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder retainedUnusedPoolBytes(long bytes) {
            require(bytes >= 0 && bytes <= (1L << 40), "retained unused-pool bytes must be 0..1099511627776, was "
                    + bytes);
            this.retainedUnusedPoolBytes = bytes;
            return this;
        }

        /**
         * @param bytes the largest request the large (best-fit) tier serves; above it each block is its own
         *              mapping: 1 to 1 GiB, at most the large chunk size (default 1 MiB)
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder largeMaxBytes(long bytes) {
            require(bytes > 0 && bytes <= LargeHeap.MAX_CHUNK_BYTES, "large-tier bound must be 1.."
                    + LargeHeap.MAX_CHUNK_BYTES + ", was " + bytes);
            this.largeMaxBytes = bytes;
            return this;
        }

        /**
         * @param bytes the size of the chunks the large tier carves: a multiple of 4096 up to 1 GiB (default 4 MiB)
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder largeChunkBytes(long bytes) {
            require(bytes >= LargeHeap.CHUNK_ALIGNMENT_BYTES && bytes <= LargeHeap.MAX_CHUNK_BYTES
                    && bytes % LargeHeap.CHUNK_ALIGNMENT_BYTES == 0, "large chunk size must be a multiple of 4096 "
                    + "up to " + LargeHeap.MAX_CHUNK_BYTES + ", was " + bytes);
            this.largeChunkBytes = bytes;
            return this;
        }

        /**
         * @param bytes the largest single allocation, enforced on every path: 1 to 2^62 (default 1 TiB)
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxAllocationBytes(long bytes) {
            require(bytes > 0 && bytes <= MAX_ALLOCATION_LIMIT_BYTES, "largest allocation must be 1.."
                    + MAX_ALLOCATION_LIMIT_BYTES + ", was " + bytes);
            this.maxAllocationBytes = bytes;
            return this;
        }

        /**
         * @param source where arena memory comes from (default: the highest-priority {@link PageSource} found by
         *               {@link ServiceLoader}, else {@code Arena.ofShared()} chunks)
         * @return this builder
         * @throws NullPointerException if {@code source} is null
         */
        public Builder pageSource(PageSource source) {
            this.pageSource = Objects.requireNonNull(source, "pageSource");
            return this;
        }

        /**
         * {@return a new allocator}
         *
         * @throws IllegalArgumentException if the settings do not fit together (arena smaller than two pools, small
         *                                  threshold over a quarter of a pool, medium maximum under the small
         *                                  threshold, large-tier bound over the chunk size)
         */
        public OffPool build() {
            return create(config(), true, name != null ? name : "pool-" + UNNAMED.incrementAndGet());
        }

        private HeapConfig config() {
            require(arenaSizeBytes >= 2L * poolSizeBytes, "arena size " + arenaSizeBytes
                    + " must hold at least two pools of " + poolSizeBytes + " bytes");
            require(smallMaxBytes <= poolSizeBytes / 4, "small threshold " + smallMaxBytes
                    + " must be at most a quarter of the pool size " + poolSizeBytes);
            require(mediumMaxBytes >= smallMaxBytes, "medium maximum " + mediumMaxBytes
                    + " must be at least the small threshold " + smallMaxBytes);
            require(largeMaxBytes <= largeChunkBytes, "large-tier bound " + largeMaxBytes
                    + " must not exceed the large chunk size " + largeChunkBytes);
            PageSource source = pageSource != null ? pageSource : discoverPageSource();
            return new HeapConfig(poolSizeBytes, arenaSizeBytes, smallMaxBytes, mediumMaxBytes, maxReservedBytes,
                    threadCacheBytes, virtualThreadStripes, cacheTrimInterval.toNanos(), source,
                    retainedUnusedPoolBytes, maxAllocationBytes, largeMaxBytes, largeChunkBytes, scrubOnFree, checked,
                    quarantineBytes, recordStackTraces, unusedPoolDecay.toNanos());
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
