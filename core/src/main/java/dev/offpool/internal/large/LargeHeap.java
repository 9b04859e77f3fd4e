package dev.offpool.internal.large;

import dev.offpool.HeapCorruptionException;
import dev.offpool.InvalidFreeException;
import dev.offpool.LargeTierStats;
import dev.offpool.OccupancyMap;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.internal.Chunk;
import dev.offpool.internal.Region;
import dev.offpool.internal.RegionMap;
import dev.offpool.internal.Requests;
import dev.offpool.internal.ReservedBytes;
import dev.offpool.internal.Zeroing;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The large tier: requests above the small tier's largest block, up to a configurable bound, served best-fit from
 * large chunks with splitting and coalescing; the classic free-list allocator with its free list upgraded to a
 * balanced tree.
 *
 * <pre>
 * Memory layout (defaults: 4 MiB chunks, blocks up to 1 MiB, 16-byte granules)
 *
 *  chunk = one page-source segment, tiled by blocks with no gap and no header
 *  +----------+------+-------------------+-------+------------------+-------------------------------+
 *  |  live    | free |      live         | free  |      live        |           free                |
 *  |  4 KiB   | 1 KiB|      40 KiB       | 64 B  |      700 B       |           rest                |
 *  +----------+------+-------------------+-------+------------------+-------------------------------+
 *  ^ base (page-aligned)                                                                           ^ end
 *
 *  on the Java heap, per chunk (LargeChunk), one bit per 16-byte granule:
 *  blockStarts  1.....1.....1...................1.....1..................1................................
 *  liveStarts   1...........1.........................1...................................................
 *
 *  on the Java heap, per heap: every free block in one AVL tree keyed by (size, address) (FreeBlockTree);
 *  the chunks are found from any address through the allocator's RegionMap
 * </pre>
 *
 * <p>Where each field lives, and why: nothing at all is kept in chunk memory. A block's size is the distance from its
 * start bit to the next one (found in a few word reads by {@link GranuleBitmap}'s summary levels); whether a caller
 * holds it is its live bit. Callers can write anywhere in their blocks and, through the raw-address path, past them,
 * so a header or boundary tag in chunk memory could be overwritten, or sit inside another live block when someone
 * frees an interior pointer; the on-heap bitmaps cannot be. They cost 2 bits per 16 bytes, about 1.6% of a chunk on
 * the Java heap; the tree costs 32 bytes per free block; no Java object exists per block.
 *
 * <p>The operations, all under one lock per heap (large requests are rare next to small ones, and each one zeroes
 * hundreds of bytes or more, outside the lock):
 * <ul>
 *   <li><b>Allocate</b>: round the request up to 16 bytes (at least {@link #MIN_BLOCK_BYTES}); take the smallest free
 *   block that holds it ({@code O(log n)} ceiling search). For an alignment above 16 the first
 *   8 candidates ({@code ALIGNED_PROBES}) in (size, address) order are tried for an aligned spot; if none has one, the
 *   smallest block of {@code size + worstFrontPadding(alignment)} bytes has one for sure. Padding in front of the
 *   spot becomes a free block of its own (so it is 0 or at least {@link #MIN_BLOCK_BYTES}); a tail of at least
 *   {@link #MIN_BLOCK_BYTES} is split off as a free block, a smaller one stays with the allocation.</li>
 *   <li><b>Free</b>: find the chunk by bisection over the chunk bases before anything else, and check the live bit:
 *   an address that is not a live block start is rejected without a byte of chunk memory read; so is a segment whose
 *   size no request for this block could have had (see {@link #sizeFits}). Then merge with
 *   both address neighbours when they are free: the right one starts at this block's end, the left one at the
 *   previous start bit; neither is adjacent to another free block, so one step each way completes coalescing.</li>
 *   <li><b>Chunks</b>: when no free block fits, a new chunk is reserved (counted against the shared
 *   {@link ReservedBytes} first): the standard size, or the request rounded up to a page when it is bigger. A chunk
 *   whose last live block is freed is one free block; the first such chunk is kept against thrashing, any second
 *   one goes back to the page source at once.</li>
 * </ul>
 *
 * <p>Misuse fails before anything changes: {@link IllegalArgumentException} for a bad size or alignment,
 * {@link InvalidFreeException} for a free of anything but a live block start (naming what it was instead),
 * {@link OutOfPoolMemoryException} when the reserved-bytes limit or the page source says no.
 */
public final class LargeHeap {
    /** Default standard chunk size. */
    public static final long DEFAULT_CHUNK_BYTES = 4L << 20;
    /** Default largest request. */
    public static final long DEFAULT_MAX_BLOCK_BYTES = 1L << 20;
    /** Largest chunk size or request bound accepted; keeps granule indices in an {@code int} with room to spare. */
    public static final long MAX_CHUNK_BYTES = 1L << 30;
    /** Chunks are page-aligned, and multiples of a page. */
    public static final long CHUNK_ALIGNMENT_BYTES = 4096;
    /** The largest alignment served: a chunk's own, so a fresh chunk always has an aligned spot at its base. */
    public static final long MAX_ALIGNMENT_BYTES = CHUNK_ALIGNMENT_BYTES;
    /** Every block starts on, and is a multiple of, this many bytes; the bitmaps have one bit per granule. */
    public static final long GRANULE_BYTES = 16;
    static final int GRANULE_SHIFT = 4;
    /**
     * The smallest block, free or live. A smaller tail stays with the allocation: a free fragment that small could
     * never serve a large request alone and would only cost a tree node, while keeping it wastes under an eighth of
     * the smallest large request.
     */
    public static final long MIN_BLOCK_BYTES = 64;
    /** Candidates tried for an aligned spot before falling back to a block certain to have one. */
    static final int ALIGNED_PROBES = 8;

    private final RegionMap regions;
    private final ReservedBytes reservedBytes;
    /** Clear each block as it is freed, under the lock, before it can be reused. */
    private final boolean scrubOnFree;
    private final long chunkBytes;
    private final long maxBlockBytes;

    private final ReentrantLock lock = new ReentrantLock();
    private final FreeBlockTree freeBlocks = new FreeBlockTree();
    /** Every chunk held, in no particular order (the region map finds them by address). */
    private final List<LargeChunk> chunks = new ArrayList<>();
    /** Live blocks a reallocate has claimed: no free or reallocate may take them until it ends. */
    private final Set<Long> reallocating = new HashSet<>();
    /** Live blocks open pooled arenas hold: only the arena's close frees them. */
    private final Set<Long> arenaHeld = new HashSet<>();
    /**
     * The exact size of each live block reallocated in place: only a segment of that size names it from then on, so
     * the segment it had before cannot free the block the reallocate returned.
     */
    private final Map<Long, Long> resizedBytes = new HashMap<>();
    /** The one wholly free chunk kept against thrashing, or null. Invariant: no other chunk is wholly free. */
    private LargeChunk spare;
    private boolean closed;

    private long chunksAllocatedTotal;
    private long chunksReleased;
    private long chunksHighwater;
    private long bytesInChunks;
    private long liveBlocks;
    private long liveBytes;
    private long freeBytes;
    /**
     * Free blocks smaller than {@link #minIndexedBytes}: they can serve no request, so they stay out of the tree and
     * are found only through the bitmaps, when a neighbour's free merges them.
     */
    private long unindexedFreeBlocks;
    /** The smallest free block that can serve a request: the smallest request, rounded as {@code allocate} does. */
    private final long minIndexedBytes;

    /**
     * @param regions         where chunks are registered for address lookups; chunks are aligned to and sized in its
     *                        granules
     * @param reservedBytes   the allocator's reservation count, shared with the other tiers
     * @param chunkBytes      the standard chunk size: a multiple of {@value #CHUNK_ALIGNMENT_BYTES}, at most 1 GiB
     * @param maxBlockBytes   the largest request, {@code 1..1 GiB}
     * @param minRequestBytes the smallest request callers make (the small tier's threshold plus one, in an
     *                        {@code OffPool}); free blocks too small for it stay out of the tree. Smaller requests
     *                        are still served, never from such blocks.
     * @throws IllegalArgumentException if a size is out of range
     */
    public LargeHeap(RegionMap regions, ReservedBytes reservedBytes, long chunkBytes, long maxBlockBytes,
                     long minRequestBytes) {
        this(regions, reservedBytes, chunkBytes, maxBlockBytes, minRequestBytes, false);
    }

    /**
     * As {@link #LargeHeap(RegionMap, ReservedBytes, long, long, long)}, clearing every block as it is freed when
     * {@code scrubOnFree}.
     */
    public LargeHeap(RegionMap regions, ReservedBytes reservedBytes, long chunkBytes, long maxBlockBytes,
                     long minRequestBytes, boolean scrubOnFree) {
        this.scrubOnFree = scrubOnFree;
        this.regions = Objects.requireNonNull(regions, "regions");
        this.reservedBytes = Objects.requireNonNull(reservedBytes, "reservedBytes");
        if (chunkBytes <= 0 || chunkBytes > MAX_CHUNK_BYTES || chunkBytes % CHUNK_ALIGNMENT_BYTES != 0) {
            throw new IllegalArgumentException("large chunk size must be a positive multiple of "
                    + CHUNK_ALIGNMENT_BYTES + " up to " + MAX_CHUNK_BYTES + ", was " + chunkBytes);
        }
        if (maxBlockBytes <= 0 || maxBlockBytes > MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("largest large block must be 1.." + MAX_CHUNK_BYTES + " bytes, was "
                    + maxBlockBytes);
        }
        if (minRequestBytes <= 0 || minRequestBytes > maxBlockBytes) {
            throw new IllegalArgumentException("smallest large request must be 1.." + maxBlockBytes + " bytes, was "
                    + minRequestBytes);
        }
        this.chunkBytes = chunkBytes;
        this.maxBlockBytes = maxBlockBytes;
        this.minIndexedBytes = Math.max(MIN_BLOCK_BYTES, (minRequestBytes + GRANULE_BYTES - 1) & -GRANULE_BYTES);
    }

    /** {@return the largest request served} */
    public long maxBlockBytes() {
        return maxBlockBytes;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Allocate.
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Allocates a block of at least {@code byteSize} bytes at a multiple of {@code byteAlignment} (and of 16), zeroed
     * over {@code [address, address + byteSize)}.
     *
     * @param byteSize      {@code 1..maxBlockBytes()}
     * @param byteAlignment a power of two up to {@value #MAX_ALIGNMENT_BYTES}
     * @return the block's address
     * @throws IllegalArgumentException if the size or alignment is out of range
     * @throws OutOfPoolMemoryException if a new chunk is needed and the reserved-bytes limit or the page source
     *                                  refuses it; nothing changed then
     * @throws IllegalStateException    if the heap is closed
     */
    public long allocate(long byteSize, long byteAlignment) {
        return allocate(byteSize, byteAlignment, false, true);
    }

    /**
     * As {@link #allocate(long, long)}; an {@code arenaHeld} block can only be freed by {@link #freeArenaBlock}, and
     * the block is zeroed only if {@code zero}.
     */
    public long allocate(long byteSize, long byteAlignment, boolean arenaHeldBlock, boolean zero) {
        checkRequest(byteSize, byteAlignment);
        long need = Math.max(MIN_BLOCK_BYTES, (byteSize + GRANULE_BYTES - 1) & -GRANULE_BYTES);
        long alignment = Math.max(GRANULE_BYTES, byteAlignment);
        long address;
        lock.lock();
        try {
            checkOpen();
            address = takeBestFit(need, alignment);
            if (address == 0) {
                address = takeFromNewChunk(need);
            }
            if (arenaHeldBlock) {
                arenaHeld.add(address);
            }
        } finally {
            lock.unlock();
        }
        // The block is the caller's alone from here; zeroing outside the lock keeps other threads moving.
        if (zero) {
            LargeChunk chunk = find(address);
            Zeroing.zero(chunk.memory, address - chunk.base, byteSize);
        }
        return address;
    }

    /** {@return the live block at {@code address} as a segment of {@code byteSize} bytes in its chunk's scope} */
    public MemorySegment segment(long address, long byteSize) {
        LargeChunk chunk = find(address);
        return chunk.memory.asSlice(address - chunk.base, byteSize);
    }

    /** {@return the chunk holding {@code address}, or null} Lock-free; reads nothing at the address. */
    private LargeChunk find(long address) {
        return regions.find(address) instanceof LargeChunk chunk ? chunk : null;
    }

    private void checkRequest(long byteSize, long byteAlignment) {
        if (byteSize <= 0) {
            throw new IllegalArgumentException("size must be positive, was " + byteSize);
        }
        if (byteSize > maxBlockBytes) {
            throw new IllegalArgumentException("size " + byteSize + " is over the largest block the large tier "
                    + "serves, " + maxBlockBytes + " bytes");
        }
        if (byteAlignment <= 0 || (byteAlignment & (byteAlignment - 1)) != 0) {
            throw new IllegalArgumentException("alignment must be a power of two, was " + byteAlignment);
        }
        if (byteAlignment > MAX_ALIGNMENT_BYTES) {
            throw new IllegalArgumentException("alignment " + byteAlignment + " is over the largest the large tier "
                    + "serves, " + MAX_ALIGNMENT_BYTES + " bytes");
        }
    }

    /** {@return the address of a block carved from the best-fitting free block, or 0 if none fits} */
    private long takeBestFit(long need, long alignment) {
        int node = freeBlocks.ceiling(need);
        // Candidates come smallest first, so the first with an aligned spot is the best fit among them; with the
        // default alignment the very first one fits.
        for (int probe = 0; node != FreeBlockTree.NONE && probe < ALIGNED_PROBES; probe++) {
            long size = freeBlocks.sizeOf(node);
            long address = freeBlocks.addressOf(node);
            long padding = frontPadding(address, alignment);
            if (size - padding >= need) {
                return carve(find(address), address, size, padding, need);
            }
            node = freeBlocks.next(node);
        }
        node = freeBlocks.ceiling(need + worstFrontPadding(alignment));
        if (node == FreeBlockTree.NONE) {
            return 0;
        }
        long address = freeBlocks.addressOf(node);
        return carve(find(address), address, freeBlocks.sizeOf(node), frontPadding(address, alignment), need);
    }

    /**
     * {@return bytes from {@code address} to the first spot aligned to {@code alignment} that leaves either nothing
     * or a whole free block of at least {@link #MIN_BLOCK_BYTES} in front}
     */
    static long frontPadding(long address, long alignment) {
        long padding = -address & (alignment - 1);
        if (padding == 0 || padding >= MIN_BLOCK_BYTES) {
            return padding;
        }
        long more = MIN_BLOCK_BYTES - padding;
        return padding + ((more + alignment - 1) & -alignment);
    }

    /**
     * {@return the most {@link #frontPadding} can be for a 16-byte-aligned address: under {@code MIN + alignment},
     * so a free block this much bigger than the request always has an aligned spot}
     */
    static long worstFrontPadding(long alignment) {
        return alignment <= GRANULE_BYTES ? 0 : MIN_BLOCK_BYTES + alignment - GRANULE_BYTES;
    }

    /**
     * Takes {@code need} bytes at {@code address + padding} out of the free block {@code [address, address + size)},
     * leaving the padding and a big enough tail free.
     */
    private long carve(LargeChunk chunk, long address, long size, long padding, long need) {
        long block = address + padding;
        long tail = size - padding - need;
        long blockSize = need;
        if (tail < MIN_BLOCK_BYTES) {
            blockSize += tail;
            tail = 0;
        }
        // What stays free (the padding if any, else the tail) takes over the block's tree node: usually the tail of
        // a large block, whose new key sorts where the old one did, so the node changes in place where a remove and
        // an insert would each descend and rebalance.
        if (padding > 0) {
            replaceFree(size, address, padding, address);
            chunk.blockStarts.set(chunk.granuleOf(block));
            if (tail > 0) {
                insertFree(tail, block + need);
            }
        } else if (tail > 0) {
            replaceFree(size, address, tail, block + need);
        } else {
            removeFree(size, address);
        }
        if (tail > 0) {
            chunk.blockStarts.set(chunk.granuleOf(block + need));
        }
        chunk.liveStarts.set(chunk.granuleOf(block));
        chunk.liveBlocks++;
        chunk.liveBytes += blockSize;
        liveBlocks++;
        liveBytes += blockSize;
        freeBytes -= blockSize;
        if (spare == chunk) {
            spare = null;
        }
        return block;
    }

    private long takeFromNewChunk(long need) {
        // A fresh chunk's base is aligned to every alignment served, so the block goes there with no padding. Chunks
        // are sized in the region map's granules, so one chunk owns each key it covers.
        long granule = Math.max(CHUNK_ALIGNMENT_BYTES, regions.granuleBytes());
        long bytes = (Math.max(need, chunkBytes) + granule - 1) & -granule;
        LargeChunk chunk = openChunk(bytes, granule);
        return carve(chunk, chunk.base, bytes, 0, need);
    }

    private LargeChunk openChunk(long bytes, long alignment) {
        Chunk memory = reservedBytes.takeChunk(bytes, alignment, Region.LARGE, bytes + "-byte large chunk");
        LargeChunk chunk;
        try {
            chunk = new LargeChunk(memory);
            regions.add(chunk);
        } catch (RuntimeException | Error e) { // the bitmaps' Java-heap arrays may not fit: give the memory back
            memory.release();
            throw e;
        }
        chunk.blockStarts.set(0);
        insertFree(bytes, chunk.base);
        chunks.add(chunk);
        chunksAllocatedTotal++;
        chunksHighwater = Math.max(chunksHighwater, chunks.size());
        bytesInChunks += bytes;
        freeBytes += bytes;
        return chunk;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Free.
    // ---------------------------------------------------------------------------------------------------------

    /**
     * {@return true if {@code address} lies in one of this heap's chunks} Lock-free; reads nothing at the address.
     * A true answer does not mean the address is a live block: {@link #free} checks that.
     */
    public boolean owns(long address) {
        return find(address) != null;
    }

    /**
     * Frees the live block starting at {@code address}, merging it with free neighbours.
     *
     * @param address an address {@link #allocate} returned
     * @return the freed block's usable size (the request rounded up, plus any tail that stayed with it)
     * @throws InvalidFreeException if {@code address} is not the start of a live block of this heap; nothing changed
     *                              then, and nothing was read at the address
     */
    public long free(long address) {
        return free(address, -1, "free");
    }

    /**
     * Frees the live block starting at {@code address}, named by a segment of {@code segmentBytes} ({@code -1} on the
     * raw path), merging it with free neighbours.
     *
     * @throws InvalidFreeException if {@code address} is not the start of a live block of this heap, the segment's
     *                              size is not one a request for this block could have had, the block is held by a
     *                              pooled arena or being reallocated; nothing changed then
     */
    public long free(long address, long segmentBytes, String op) {
        lock.lock();
        try {
            LargeChunk chunk = checkLive(address, segmentBytes, op);
            if (arenaHeld.contains(address)) {
                throw Requests.arenaBlock(op, address);
            }
            return freeLocked(chunk, address);
        } finally {
            lock.unlock();
        }
    }

    /** Frees a block a pooled arena held; see {@link #allocate(long, long, boolean)}. */
    public void freeArenaBlock(long address) {
        lock.lock();
        try {
            if (closed) {
                return; // the chunk goes when its last arena hold does
            }
            LargeChunk chunk = checkLive(address, -1, "arena free");
            if (!arenaHeld.remove(address)) {
                throw new InvalidFreeException("arena free of " + Requests.hex(address) + ": not a block a pooled "
                        + "arena holds");
            }
            if (!closed) {
                freeLocked(chunk, address);
            }
        } finally {
            lock.unlock();
        }
    }

    // The checks every free and claim share. Lock held.
    private LargeChunk checkLive(long address, long segmentBytes, String op) {
        LargeChunk chunk = closed ? null : find(address);
        if (chunk == null) {
            throw Requests.foreign(op, address);
        }
        int start = chunk.granuleOf(address);
        if ((address & (GRANULE_BYTES - 1)) != 0 || !chunk.liveStarts.get(start)) {
            throw notLive(chunk, address, op);
        }
        if (reallocating.contains(address)) {
            throw Requests.busy(op, address);
        }
        long size = chunk.blockEnd(start) - address;
        Long exact = resizedBytes.get(address);
        if (segmentBytes >= 0 && (exact != null ? segmentBytes != exact : !sizeFits(segmentBytes, size))) {
            throw Requests.wrongSize(op, address, segmentBytes, "the block there is a " + size + "-byte large block"
                    + (exact != null ? ", reallocated to " + exact + " bytes" : ""));
        }
        return chunk;
    }

    /**
     * {@return true if a request of {@code requestBytes} could have produced a block of {@code blockBytes}} A block is
     * the request rounded up to 16 bytes (at least {@link #MIN_BLOCK_BYTES}), plus a tail under
     * {@link #MIN_BLOCK_BYTES} that stayed with it; so a slice of a block is told apart unless its size rounds the
     * same way.
     */
    public static boolean sizeFits(long requestBytes, long blockBytes) {
        if (requestBytes <= 0) {
            return false;
        }
        long need = Math.max(MIN_BLOCK_BYTES, (requestBytes + GRANULE_BYTES - 1) & -GRANULE_BYTES);
        return blockBytes >= need && blockBytes < need + MIN_BLOCK_BYTES;
    }

    /**
     * Claims the live block at {@code address} for a reallocate: until {@link #endClaim} no free or reallocate can
     * take it.
     *
     * @return its usable size
     * @throws InvalidFreeException as {@link #free(long, long, String)} would
     */
    public long claim(long address, long segmentBytes) {
        lock.lock();
        try {
            LargeChunk chunk = checkLive(address, segmentBytes, "reallocate");
            if (arenaHeld.contains(address)) {
                throw Requests.arenaBlock("reallocate", address);
            }
            reallocating.add(address);
            return chunk.blockEnd(chunk.granuleOf(address)) - address;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends a claim: the block is freed ({@code free}), or stays live named by segments of exactly
     * {@code keptBytes} from now on ({@code keptBytes < 0}: unchanged, the reallocate failed).
     */
    public void endClaim(long address, boolean free, long keptBytes) {
        lock.lock();
        try {
            reallocating.remove(address);
            if (free && !closed) {
                freeLocked(find(address), address);
            } else if (keptBytes >= 0) {
                resizedBytes.put(address, keptBytes);
            }
        } finally {
            lock.unlock();
        }
    }

    private long freeLocked(LargeChunk chunk, long address) {
        resizedBytes.remove(address);
        {
            int start = chunk.granuleOf(address);
            long size = chunk.blockEnd(start) - address;
            if (scrubOnFree) {
                Zeroing.zero(chunk.memory, address - chunk.base, size);
            }
            chunk.liveStarts.clear(start);
            chunk.liveBlocks--;
            chunk.liveBytes -= size;
            liveBlocks--;
            liveBytes -= size;
            freeBytes += size;
            insertCoalesced(chunk, address, size);
            if (chunk.liveBlocks == 0) {
                chunkBecameFree(chunk);
            }
            return size;
        }
    }

    // Coalescing is complete after one step each way: a free neighbour was itself merged when it was freed.
    private void insertCoalesced(LargeChunk chunk, long address, long size) {
        long start = address;
        long end = address + size;
        // The merged block takes over a free neighbour's tree node (the left one's when both are free): it usually
        // sorts where the neighbour did, so the node changes in place where a remove and an insert would each
        // descend and rebalance. A size of 0 means no free neighbour.
        long neighbourSize = 0;
        long neighbourAddress = 0;
        if (end < chunk.end) {
            int right = chunk.granuleOf(end);
            if (!chunk.liveStarts.get(right)) {
                neighbourSize = chunk.blockEnd(right) - end;
                neighbourAddress = end;
                chunk.blockStarts.clear(right);
                end += neighbourSize;
            }
        }
        if (start > chunk.base) {
            int left = chunk.blockStarts.previousSetBit(chunk.granuleOf(start) - 1);
            if (!chunk.liveStarts.get(left)) {
                if (neighbourSize != 0) {
                    removeFree(neighbourSize, neighbourAddress);
                }
                neighbourAddress = chunk.addressOf(left);
                neighbourSize = start - neighbourAddress;
                chunk.blockStarts.clear(chunk.granuleOf(start));
                start = neighbourAddress;
            }
        }
        if (neighbourSize == 0) {
            insertFree(end - start, start);
        } else {
            replaceFree(neighbourSize, neighbourAddress, end - start, start);
        }
    }

    private void chunkBecameFree(LargeChunk chunk) {
        if (spare == null) {
            spare = chunk;
            return;
        }
        // Another chunk is already wholly free: keep that one against thrashing, return this one.
        releaseChunk(chunk);
    }

    /** Returns the wholly free chunk kept against thrashing, if any, to the page source. */
    public void trim() {
        lock.lock();
        try {
            if (spare != null) {
                LargeChunk chunk = spare;
                spare = null;
                releaseChunk(chunk);
            }
        } finally {
            lock.unlock();
        }
    }

    private void releaseChunk(LargeChunk chunk) {
        removeFree(chunk.bytes(), chunk.base);
        freeBytes -= chunk.bytes();
        chunks.remove(chunk);
        regions.remove(chunk);
        bytesInChunks -= chunk.bytes();
        chunksReleased++;
        chunk.release();
    }

    // Every free block passes through these three: the tree holds exactly the free blocks of minIndexedBytes or more.

    private void insertFree(long size, long address) {
        if (size >= minIndexedBytes) {
            freeBlocks.insert(size, address);
        } else {
            unindexedFreeBlocks++;
        }
    }

    private void removeFree(long size, long address) {
        if (size < minIndexedBytes) {
            unindexedFreeBlocks--;
        } else if (!freeBlocks.remove(size, address)) {
            throw missingFree(size, address);
        }
    }

    private void replaceFree(long size, long address, long newSize, long newAddress) {
        if (size >= minIndexedBytes && newSize >= minIndexedBytes) {
            if (!freeBlocks.replace(size, address, newSize, newAddress)) {
                throw missingFree(size, address);
            }
        } else {
            removeFree(size, address);
            insertFree(newSize, newAddress);
        }
    }

    private static HeapCorruptionException missingFree(long size, long address) {
        return new HeapCorruptionException("free block of " + size + " bytes at 0x" + Long.toHexString(address)
                + " is missing from the free-block tree");
    }

    /** Says precisely what {@code address}, inside {@code chunk} but not a live block start, is instead. */
    private static InvalidFreeException notLive(LargeChunk chunk, long address, String op) {
        int start = chunk.blockStarts.previousSetBit(chunk.granuleOf(address));
        long blockStart = chunk.addressOf(start);
        long blockSize = chunk.blockEnd(start) - blockStart;
        if (chunk.liveStarts.get(start)) {
            return Requests.interior(op, address, blockStart, blockSize);
        }
        if (blockStart == address) {
            return Requests.notAllocated(op, address, blockSize);
        }
        return new InvalidFreeException(op + " of " + Requests.hex(address) + ": it is " + (address - blockStart)
                + " bytes inside a free " + blockSize + "-byte block at " + Requests.hex(blockStart)
                + " (already freed, or never handed out)");
    }

    /**
     * {@return the usable size of the live block starting at {@code address}, or -1 if it is not one} No side
     * effects; reads nothing at the address.
     */
    public long usableSize(long address) {
        lock.lock();
        try {
            LargeChunk chunk = find(address);
            if (chunk == null || (address & (GRANULE_BYTES - 1)) != 0) {
                return -1;
            }
            int start = chunk.granuleOf(address);
            return chunk.liveStarts.get(start) ? chunk.blockEnd(start) - address : -1;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Inspection and lifecycle.
    // ---------------------------------------------------------------------------------------------------------

    // The tree's largest, else (only blocks too small to index are free) a walk: stats are not on any hot path.
    private long largestFreeBlock() {
        int node = freeBlocks.largest();
        if (node != FreeBlockTree.NONE) {
            return freeBlocks.sizeOf(node);
        }
        long largest = 0;
        for (LargeChunk chunk : chunks) {
            for (int g = 0; g >= 0; g = chunk.blockStarts.nextSetBit(g + 1)) {
                if (!chunk.liveStarts.get(g)) {
                    largest = Math.max(largest, chunk.blockEnd(g) - chunk.addressOf(g));
                }
            }
        }
        return largest;
    }

    /** {@return a consistent snapshot of the heap} */
    public LargeTierStats stats() {
        lock.lock();
        try {
            long largest = largestFreeBlock();
            long metadata = freeBlocks.heapBytes() + 16L * chunks.size();
            for (LargeChunk chunk : chunks) {
                metadata += chunk.heapBytes();
            }
            return new LargeTierStats(chunkBytes, maxBlockBytes, chunksAllocatedTotal, chunksReleased, chunksHighwater,
                    chunks.size(), bytesInChunks, liveBlocks, liveBytes, freeBlocks.count() + unindexedFreeBlocks,
                    freeBytes, largest, metadata);
        } finally {
            lock.unlock();
        }
    }

    /** {@return every chunk, by address, with its blocks live and free, taken under the heap's lock} */
    public List<OccupancyMap.LargeChunk> occupancy() {
        lock.lock();
        try {
            List<LargeChunk> all = new ArrayList<>(chunks);
            all.sort((a, b) -> Long.compareUnsigned(a.base, b.base));
            List<OccupancyMap.LargeChunk> out = new ArrayList<>(all.size());
            for (LargeChunk chunk : all) {
                List<OccupancyMap.Block> blocks = new ArrayList<>();
                for (int g = 0; g >= 0; g = chunk.blockStarts.nextSetBit(g + 1)) {
                    long start = chunk.addressOf(g);
                    blocks.add(new OccupancyMap.Block(start, chunk.blockEnd(g) - start, chunk.liveStarts.get(g)));
                }
                out.add(new OccupancyMap.LargeChunk(chunk.base, chunk.bytes(), chunk == spare, blocks));
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Walks every chunk and the free-block tree and checks every invariant: chunks do not overlap and the index finds
     * each at both ends; blocks tile each chunk exactly, each at least {@link #MIN_BLOCK_BYTES}; no two free blocks
     * are adjacent; every free block is in the tree and the tree holds nothing else; the tree is ordered and
     * balanced; live bits mark only block starts; at most one chunk is wholly free and it is the kept one; every
     * counter matches the walk and the bytes add up to the chunks.
     *
     * @throws HeapCorruptionException naming the first broken invariant
     */
    public void verify() {
        lock.lock();
        try {
            freeBlocks.verify();
            List<LargeChunk> all = new ArrayList<>(chunks);
            all.sort(Comparator.comparingLong(c -> c.base));
            long chunkSum = 0;
            long live = 0;
            long liveSum = 0;
            long free = 0;
            long freeSum = 0;
            int whollyFree = 0;
            for (int i = 0; i < all.size(); i++) {
                LargeChunk chunk = all.get(i);
                check(i == 0 || all.get(i - 1).end <= chunk.base, "large chunks overlap: " + all.get(Math.max(0, i - 1))
                        + " and " + chunk);
                check(find(chunk.base) == chunk && find(chunk.end - 1) == chunk,
                        "region map does not find " + chunk + " at both ends");
                check(find(chunk.base - 1) != chunk && find(chunk.end) != chunk,
                        "region map over-extends " + chunk);
                check(!chunk.isReleased(), chunk + " is held but its memory was released");
                check(chunk.base % CHUNK_ALIGNMENT_BYTES == 0 && chunk.bytes() % CHUNK_ALIGNMENT_BYTES == 0,
                        chunk + " is not page-aligned and page-sized");
                long[] walk = verifyChunk(chunk);
                live += walk[0];
                liveSum += walk[1];
                free += walk[2];
                freeSum += walk[3];
                chunkSum += chunk.bytes();
                if (chunk.liveBlocks == 0) {
                    whollyFree++;
                    check(chunk == spare, chunk + " is wholly free but is not the kept spare");
                }
            }
            check(whollyFree <= 1, whollyFree + " wholly free chunks kept; at most one may be");
            check(spare == null || (all.contains(spare) && spare.liveBlocks == 0), "the kept spare " + spare
                    + " is not a wholly free chunk of this heap");
            check(free == freeBlocks.count() + unindexedFreeBlocks, "chunks hold " + free + " free blocks but the "
                    + "tree holds " + freeBlocks.count() + " and " + unindexedFreeBlocks + " are counted as too small");
            check(live == liveBlocks && liveSum == liveBytes, "chunks hold " + live + " live blocks of " + liveSum
                    + " bytes but the heap counts " + liveBlocks + " of " + liveBytes);
            check(freeSum == freeBytes, "chunks hold " + freeSum + " free bytes but the heap counts " + freeBytes);
            check(chunkSum == bytesInChunks, all.size() + " chunks hold " + chunkSum + " bytes but the heap counts "
                    + bytesInChunks);
            check(liveSum + freeSum == chunkSum, "live " + liveSum + " + free " + freeSum + " bytes do not add up to "
                    + chunkSum + " chunk bytes");
            check(chunksAllocatedTotal - chunksReleased == all.size(), chunksAllocatedTotal + " chunks opened, "
                    + chunksReleased + " released, but " + all.size() + " held");
        } finally {
            lock.unlock();
        }
    }

    /** Walks one chunk's blocks; {@return live blocks, live bytes, free blocks, free bytes} */
    private long[] verifyChunk(LargeChunk chunk) {
        String blockMismatch = chunk.blockStarts.summaryMismatch();
        check(blockMismatch == null, chunk + " block-start bitmap: " + blockMismatch);
        String liveMismatch = chunk.liveStarts.summaryMismatch();
        check(liveMismatch == null, chunk + " live bitmap: " + liveMismatch);
        check(chunk.blockStarts.get(0), chunk + " has no block starting at its base");
        long live = 0;
        long liveSum = 0;
        long free = 0;
        long freeSum = 0;
        boolean previousFree = false;
        int blocks = 0;
        for (int g = 0; g >= 0; g = chunk.blockStarts.nextSetBit(g + 1)) {
            long start = chunk.addressOf(g);
            long size = chunk.blockEnd(g) - start;
            String block = "block 0x" + Long.toHexString(start) + " (" + size + " bytes) of " + chunk;
            check(size >= MIN_BLOCK_BYTES, block + " is under the minimum block size " + MIN_BLOCK_BYTES);
            blocks++;
            if (chunk.liveStarts.get(g)) {
                live++;
                liveSum += size;
                previousFree = false;
            } else {
                check(!previousFree, block + " is free and so is the block before it: coalescing missed them");
                check(freeBlocks.contains(size, start) == (size >= minIndexedBytes), block + " is free and "
                        + (size >= minIndexedBytes ? "big enough to serve a request, but not in the free-block tree"
                        : "too small to serve one, but in the free-block tree"));
                free++;
                freeSum += size;
                previousFree = true;
            }
        }
        check(chunk.liveStarts.cardinality() == live, chunk + " has " + chunk.liveStarts.cardinality()
                + " live bits but " + live + " live block starts: a live bit is off a block start");
        check(chunk.liveBlocks == live && chunk.liveBytes == liveSum, chunk + " counts " + chunk.liveBlocks
                + " live blocks of " + chunk.liveBytes + " bytes but holds " + live + " of " + liveSum);
        check(liveSum + freeSum == chunk.bytes(), chunk + ": " + blocks + " blocks cover " + (liveSum + freeSum)
                + " bytes, not the chunk's " + chunk.bytes());
        return new long[] {live, liveSum, free, freeSum};
    }

    /**
     * Releases every chunk to the page source (a chunk holding blocks of open pooled arenas when the last of them
     * closes, see {@link Region#releaseOrDefer()}). Every block becomes invalid; later allocations throw
     * {@link IllegalStateException}, later frees {@link InvalidFreeException}.
     */
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (LargeChunk chunk : chunks) {
                regions.remove(chunk);
                chunksReleased++;
                bytesInChunks -= chunk.bytes();
                chunk.releaseOrDefer();
            }
            chunks.clear();
            reallocating.clear();
            resizedBytes.clear();
            freeBlocks.clear();
            unindexedFreeBlocks = 0;
            spare = null;
            liveBlocks = 0;
            liveBytes = 0;
            freeBytes = 0;
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw Requests.closed();
        }
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new HeapCorruptionException(message);
        }
    }
}
