package dev.offpool.internal.pool;

/**
 * One pool: a power-of-two slice of an arena, aligned to its size, serving one size class at a time. Its header is
 * on the Java heap (this object and its {@link BlockTable}); the pool's memory holds nothing but blocks, and nothing
 * of the allocator's is ever written into a block.
 *
 * <h2>States (obmalloc.c's pool table, plus claims)</h2>
 * <pre>
 *  state          table     in ring   claimant   used              how it gets there
 *  unused         null      no        none       0                 arena opened; last block came back
 *  claimed        class c   no        a cache    any               a thread cache took it to carve from
 *  partly used    class c   yes       none       0 &lt; used &lt; cap    claimant gave it up with free blocks left;
 *                                                                  a block came back to a full pool
 *  full           class c   no        none       cap (none free)   claimant carved its last block
 * </pre>
 * Transitions: unused -&gt; claimed (adopted for class c by a refill, or taken from the ring's head); claimed -&gt;
 * partly used / full / unused (its claimant moves on or is drained, by what is left); partly used -&gt; full (the
 * uncached refill path carves its last block) and -&gt; unused (its last used block comes back); full -&gt; partly used
 * (a block comes back). An unused pool may also be <em>discarded</em>: its pages handed back to the OS, the pool
 * still reserved in its arena.
 *
 * <p>{@code used} counts blocks out of the pool: held by callers, by pooled arenas, or sitting in thread caches.
 * Every mutable field is guarded by the lock of the pool's heap size class while the pool serves a class, and by the
 * heap's arena lock while it is unused. {@link #table} is also read without a lock by frees (see
 * {@link BlockTable}).
 */
final class Pool {
    final PoolArena arena;
    /** Index of the pool within its arena. */
    final int index;
    /** Address of the pool's first byte and first block; a multiple of the pool size. */
    final long address;
    /** {@code address - arena.base}: where the pool starts in the arena's segment. */
    final long offset;

    /** The class served and the blocks' states, or null while unused. Replaced, never mutated, on a class change. */
    BlockTable table;
    /** The table of the class last served while the pool is unused (every state FREE); reused if it comes back. */
    BlockTable lastTable;
    /** Blocks out of the pool: held by callers or pooled arenas, or sitting in thread caches. */
    int used;
    /**
     * The pool's free blocks below the carve mark, a bit per block index: jemalloc's slab bitmap where pymalloc links
     * free blocks through their first word. A refill finds them by scanning words instead of chasing a pointer through
     * each cold block (measured: walking the in-block list was 11% of a two-thread server workload whose frees come
     * from another thread), and a freed block is never written, so a scrubbed one stays known-zero.
     */
    long[] freeBits;
    /** Set bits in {@link #freeBits}. */
    int freeCount;
    /** A word of {@link #freeBits} at or below the lowest set bit: where the next scan starts. */
    int freeScanWord;
    /** Blocks carved so far: blocks at index {@code >= carved} have never been handed out (lazy carving). */
    int carved;
    /** True while every byte from the carve mark on is known to read as zero (fresh or zeroing-discarded memory). */
    boolean pristine;

    /** Links in the class's ring of partly used pools, or ({@code next} only) in the arena's unused list. */
    Pool prev;
    Pool next;
    /** True while the pool sits in its class's ring. */
    boolean inRing;
    /** The thread cache carving from this pool, or null. A claimed pool stays out of the ring. */
    ThreadCache claimant;

    /** Links in the heap's oldest-first list of unused pools whose pages are still resident (arena lock). */
    Pool residentPrev;
    Pool residentNext;
    /** True while on that list. */
    boolean resident;
    /** When the pool joined that list ({@link System#nanoTime()}): it is discarded once unused for the decay time. */
    long unusedSinceNanos;
    /** True from a successful discard of the pool's pages until the pool serves a class again (arena lock). */
    boolean discarded;

    Pool(PoolArena arena, int index, long address) {
        this.arena = arena;
        this.index = index;
        this.address = address;
        this.offset = address - arena.base;
        this.pristine = true;
    }

    /** {@return true if the pool can hand out another block without a new pool} */
    boolean hasFreeBlock() {
        return freeCount > 0 || carved < table.capacity;
    }

    /** Readies the free bitmap for a class of {@code capacity} blocks, empty. */
    void resetFreeBits(int capacity) {
        int words = (capacity + 63) >>> 6;
        if (freeBits == null || freeBits.length != words) {
            freeBits = new long[words];
        } else if (freeCount > 0) {
            java.util.Arrays.fill(freeBits, 0);
        }
        freeCount = 0;
        freeScanWord = 0;
    }

    /** Marks block {@code index} free. Class lock held. */
    void addFree(int index) {
        freeBits[index >>> 6] |= 1L << index;
        freeCount++;
        if ((index >>> 6) < freeScanWord) {
            freeScanWord = index >>> 6;
        }
    }

    /** {@return the lowest free block index, taken off the bitmap} Class lock held; {@link #freeCount} must be > 0. */
    int takeFree() {
        int w = freeScanWord;
        while (freeBits[w] == 0) {
            w++;
        }
        long bits = freeBits[w];
        int index = (w << 6) + Long.numberOfTrailingZeros(bits);
        freeBits[w] = bits & (bits - 1);
        freeCount--;
        freeScanWord = w;
        return index;
    }

    /** {@return the size class served, or -1 while unused} */
    int sizeClass() {
        BlockTable t = table;
        return t == null ? -1 : t.sizeClass;
    }

    @Override
    public String toString() {
        BlockTable t = table;
        return "pool " + index + " of arena 0x" + Long.toHexString(arena.base) + " at 0x" + Long.toHexString(address)
                + (t == null ? " (unused)" : " (" + t.blockSize + " B blocks, " + used + " used)");
    }
}
