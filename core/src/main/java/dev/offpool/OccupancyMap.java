package dev.offpool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;

/**
 * Where every pool, large block and huge mapping of one allocator is, and what holds it: a complete snapshot taken by
 * {@link OffPool#occupancy()}, and its picture as a self-contained HTML page ({@link #writeHtml(Appendable)}).
 *
 * {@snippet :
 * OccupancyMap map = OffPool.global().occupancy();
 * long pinned = map.arenas().stream()
 *         .flatMap(arena -> arena.pools().stream())
 *         .filter(OccupancyMap.Pool::isSparse)
 *         .count();                                            // pools a few live blocks keep from the OS
 * try (Writer out = Files.newBufferedWriter(Path.of("offpool.html"))) {
 *     map.writeHtml(out);                                      // open it in any browser, no network needed
 * }
 * }
 *
 * <h2>Pool states</h2>
 * The {@link PoolState} of each pool follows the pool table of CPython's obmalloc, with offpool's two additions:
 * <pre>
 *  state        serves a class   blocks out      pages                 how it gets there
 *  UNUSED       no               0               held (resident once   arena opened; its last block came back
 *                                                touched)
 *  DISCARDED    no               0               handed back to the OS an unused pool past the allowance, or trim()
 *  CLAIMED      yes              any             held                  a thread cache carves from it
 *  PARTLY_USED  yes              0 &lt; out &lt; cap  held                  in its class's ring of pools with room
 *  FULL         yes              all             held                  its last free block went out
 * </pre>
 * A pool that serves a class keeps its whole pool (16 KiB by default) from any other class and from the OS, however
 * few of its blocks are out; a pool no thread cache claims whose live blocks fill at most an eighth of it is
 * {@linkplain Pool#isSparse() sparse}: the picture marks it, since that is the memory one forgotten block pins.
 *
 * <h2>Consistency</h2>
 * Each tier is read under its own locks, so each tier's part is a consistent picture; the three parts are taken one
 * after the other. Within a pool, how many of its blocks out are held by callers ({@link Pool#liveBlocks()}) rather
 * than sitting in thread caches ({@link Pool#cachedBlocks()}) is read from the block states in passing: exact when
 * the allocator is quiet, and the two always add up to the blocks out.
 *
 * @param allocator          the allocator's {@linkplain OffPool#name() name}
 * @param pageSource         the name of its page source
 * @param reservedBytes      bytes reserved from the page source when the snapshot was taken, over all tiers
 * @param reservedBytesLimit the reserved-bytes limit ({@link Long#MAX_VALUE} when unlimited)
 * @param arenas             every pool arena (small and medium classes), by address
 * @param largeChunks        every chunk of the large tier, by address
 * @param hugeMappings       every live huge block, by address
 */
public record OccupancyMap(String allocator, String pageSource, long reservedBytes, long reservedBytesLimit,
                           List<Arena> arenas, List<LargeChunk> largeChunks, List<HugeMapping> hugeMappings) {

    /** Copies the lists so the snapshot stays immutable. */
    public OccupancyMap {
        Objects.requireNonNull(allocator, "allocator");
        Objects.requireNonNull(pageSource, "pageSource");
        arenas = List.copyOf(arenas);
        largeChunks = List.copyOf(largeChunks);
        hugeMappings = List.copyOf(hugeMappings);
    }

    /** What a pool is doing now; see the table in the class comment. */
    public enum PoolState {
        /** Serves no class; its pages are still held (resident once touched). */
        UNUSED("unused"),
        /** Serves no class; its pages were handed back to the OS and are not resident. */
        DISCARDED("discarded"),
        /** Serves a class and a thread cache carves new blocks from it. */
        CLAIMED("claimed"),
        /** Serves a class, has free blocks and sits in its class's ring. */
        PARTLY_USED("partly used"),
        /** Serves a class and has no free block. */
        FULL("full");

        private final String label;

        PoolState(String label) {
            this.label = label;
        }

        /** {@return true if the pool serves a size class: {@link #CLAIMED}, {@link #PARTLY_USED} or {@link #FULL}} */
        public boolean servesClass() {
            return this == CLAIMED || this == PARTLY_USED || this == FULL;
        }

        /** {@return the state in words, as the picture prints it} */
        public String label() {
            return label;
        }
    }

    /**
     * One pool arena: a page-source chunk cut into pools of one size.
     *
     * @param address       its first byte
     * @param byteSize      its size
     * @param poolSizeBytes the size of each of its pools
     * @param pools         its pools, by address
     */
    public record Arena(long address, long byteSize, int poolSizeBytes, List<Pool> pools) {
        /** Copies the list so the snapshot stays immutable. */
        public Arena {
            pools = List.copyOf(pools);
        }

        /**
         * {@return how many of its pools are in {@code state}}
         *
         * @param state the state to count
         */
        public int count(PoolState state) {
            int n = 0;
            for (Pool pool : pools) {
                n += pool.state() == state ? 1 : 0;
            }
            return n;
        }
    }

    /**
     * One pool.
     *
     * @param index          its index in its arena
     * @param address        its first byte (its first block)
     * @param byteSize       its size
     * @param state          what it is doing
     * @param sizeClass      the class it serves, or -1 if it serves none
     * @param blockSizeBytes the block size of that class, or 0
     * @param capacity       blocks that fit in it, or 0 if it serves no class
     * @param liveBlocks     blocks held by callers (and pooled arenas)
     * @param cachedBlocks   free blocks of it sitting in thread caches
     * @param claimant       for a {@link PoolState#CLAIMED} pool, the name of the thread whose cache carves from it
     *                       ({@code "virtual-thread stripe"} for a cache shared by virtual threads, {@code "dead
     *                       thread"} once its thread has died); otherwise null
     */
    public record Pool(int index, long address, int byteSize, PoolState state, int sizeClass, int blockSizeBytes,
                       int capacity, int liveBlocks, int cachedBlocks, String claimant) {

        /** {@return blocks out of the pool: live plus cached} */
        public int usedBlocks() {
            return liveBlocks + cachedBlocks;
        }

        /** {@return free blocks still in the pool, carved or not} */
        public int freeBlocks() {
            return capacity - usedBlocks();
        }

        /** {@return bytes held by callers} */
        public long liveBytes() {
            return (long) liveBlocks * blockSizeBytes;
        }

        /**
         * {@return true if the pool is {@link PoolState#PARTLY_USED} or {@link PoolState#FULL} (no thread cache will
         * carve from it) and blocks held by callers, filling at most an eighth of it, keep it from serving another
         * class or going back to the OS} One forgotten block in a pool of 16 KiB makes such a pool; its cached
         * blocks, if any, go back at the next {@link OffPool#trim()}, the live ones do not.
         */
        public boolean isSparse() {
            return (state == PoolState.PARTLY_USED || state == PoolState.FULL) && liveBlocks > 0
                    && liveBytes() * 8 <= byteSize;
        }
    }

    /**
     * One chunk of the large tier, tiled by its blocks.
     *
     * @param address  its first byte
     * @param byteSize its size
     * @param spare    true if it is wholly free and kept against thrashing (given back by {@link OffPool#trim()})
     * @param blocks   its blocks, live and free, by address, covering it exactly
     */
    public record LargeChunk(long address, long byteSize, boolean spare, List<Block> blocks) {
        /** Copies the list so the snapshot stays immutable. */
        public LargeChunk {
            blocks = List.copyOf(blocks);
        }

        /** {@return bytes of its live blocks} */
        public long liveBytes() {
            long n = 0;
            for (Block b : blocks) {
                n += b.live() ? b.byteSize() : 0;
            }
            return n;
        }

        /** {@return bytes of its free blocks} */
        public long freeBytes() {
            return byteSize - liveBytes();
        }

        /** {@return the size of its largest free block, 0 if none} */
        public long largestFreeBlock() {
            long largest = 0;
            for (Block b : blocks) {
                if (!b.live()) {
                    largest = Math.max(largest, b.byteSize());
                }
            }
            return largest;
        }

        /**
         * {@return the share of its free bytes outside its largest free block: {@code 1 - largest / free}, 0 when
         * nothing is free} As {@link LargeTierStats#fragmentation()}, for this chunk alone.
         */
        public double fragmentation() {
            long free = freeBytes();
            return free == 0 ? 0.0 : 1.0 - (double) largestFreeBlock() / free;
        }
    }

    /**
     * One block of a large chunk.
     *
     * @param address  its first byte
     * @param byteSize its size (whole block: the request rounded up, plus any tail too small to stand alone)
     * @param live     true if a caller (or a pooled arena) holds it; false if it is free
     */
    public record Block(long address, long byteSize, boolean live) {
    }

    /**
     * One huge block: a page-source mapping of its own.
     *
     * @param address        its first byte
     * @param mappedBytes    bytes mapped for it (the request rounded up to whole pages)
     * @param requestedBytes bytes its caller asked for
     */
    public record HugeMapping(long address, long mappedBytes, long requestedBytes) {
    }

    /**
     * {@return how many pools, over every arena, are in {@code state}}
     *
     * @param state the state to count
     */
    public int pools(PoolState state) {
        int n = 0;
        for (Arena arena : arenas) {
            n += arena.count(state);
        }
        return n;
    }

    /** {@return how many pools, over every arena, are {@linkplain Pool#isSparse() sparse}} */
    public int sparsePools() {
        int n = 0;
        for (Arena arena : arenas) {
            for (Pool pool : arena.pools) {
                n += pool.isSparse() ? 1 : 0;
            }
        }
        return n;
    }

    /**
     * Writes the snapshot as one self-contained page: well-formed XHTML with inline SVG and CSS, no script and no
     * network access, readable by any browser and by an XML parser. It shows the pool arenas as rows of cells (one
     * per pool, coloured by size class and filled by how many of its blocks are out, with unused, discarded and
     * claimed pools drawn distinctly and sparse pools marked), a legend, the totals, a tooltip per pool, and a second
     * view of the large tier's chunks with their free blocks and fragmentation, then the huge mappings.
     *
     * <p>Each pool cell is an SVG {@code g} element with {@code class="pool"} and the attributes {@code data-arena},
     * {@code data-pool}, {@code data-state} (the {@link PoolState} name), {@code data-class}, {@code data-live},
     * {@code data-cached} and {@code data-sparse}, its tooltip a {@code title} child; each large block a
     * {@code rect} with {@code class="block"}, {@code data-chunk}, {@code data-live} and {@code data-bytes}; so
     * tools can read the page back.
     *
     * @param out where to write; it is not flushed or closed
     * @throws IOException          if {@code out} throws it
     * @throws NullPointerException if {@code out} is null
     */
    public void writeHtml(Appendable out) throws IOException {
        Objects.requireNonNull(out, "out");
        new OccupancyPage(this, out).write();
    }

    /** {@return the page {@link #writeHtml(Appendable)} writes, as a string} */
    public String toHtml() {
        StringBuilder out = new StringBuilder(16 * 1024);
        try {
            writeHtml(out);
        } catch (IOException e) {
            throw new UncheckedIOException("a StringBuilder does not throw", e);
        }
        return out.toString();
    }
}
