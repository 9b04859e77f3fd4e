package dev.offpool.internal.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A pool's blocks while it serves one size class: their size, count and one state byte each, on the Java heap.
 *
 * <p>A table never changes class: a pool adopted for another class gets a new table. So a free that read the pool's
 * table just before the pool changed hands works on the old table, whose every block is {@link #FREE} (a pool
 * changes hands only when empty): its compare-and-set fails and the free is rejected, instead of clearing a state in
 * the new class's table at an index computed for the old one.
 *
 * <h2>Block states</h2>
 * <pre>
 *            allocate (owner's plain store)            free (CAS, one winner)
 *   FREE  ---------------------------------&gt;  LIVE  ----------------------------&gt;  FREE
 *     \                                     LIVE_ALIGNED (any size up to the block)     ^
 *      \--- pooled Arena slab ---&gt; ARENA ---------- arena close (CAS) -----------------/
 *                                   LIVE --reallocate (CAS)--&gt; BUSY --done--&gt; RESIZED (in place) or FREE (moved)
 * </pre>
 * A block reallocated in place is {@link #RESIZED}: its exact size is kept in {@link #resizedBytes}, so the segment
 * it had before (same address, old size) no longer names it, and a free through that stale segment is rejected
 * instead of freeing the block the reallocate just returned.
 * Why a byte each and not a bit: the allocating thread owns a free block it popped, so it marks it live with a plain
 * store to its own byte, and only a free needs the one locked instruction that settles two racing frees. A shared
 * bitmap word would need an atomic on both sides (measured: about 2.4 ns each on the build machine).
 */
final class BlockTable {
    /** Not held by any caller: free in its pool's bitmap, in a thread cache, or never carved. */
    static final byte FREE = 0;
    /** Held by a caller; a segment of any size in the class's range names it. */
    static final byte LIVE = 1;
    /** Held by a caller who asked for an alignment above 16: a segment of any size up to the block names it. */
    static final byte LIVE_ALIGNED = 2;
    /** Held by an open pooled {@code Arena}: only its close frees it. */
    static final byte ARENA = 3;
    /** Being reallocated: neither free nor reallocate may take it until that finishes. */
    static final byte BUSY = 4;
    /** Held by a caller after a reallocate in place: only a segment of exactly its new size names it. */
    static final byte RESIZED = 5;

    static final VarHandle STATE = MethodHandles.arrayElementVarHandle(byte[].class);

    final int sizeClass;
    final int blockSize;
    /** Blocks that fit in the pool: {@code poolSize / blockSize}. */
    final int capacity;
    final long magic;
    /** One state per block, by index. */
    final byte[] states;
    /** The exact size of each {@link #RESIZED} block; made on the first reallocate in place (class lock not needed:
     *  only the claim's holder writes an entry, and only a holder of the block reads it). */
    volatile int[] resizedBytes;

    BlockTable(int sizeClass, int blockSize, int capacity, long magic) {
        this.sizeClass = sizeClass;
        this.blockSize = blockSize;
        this.capacity = capacity;
        this.magic = magic;
        this.states = new byte[capacity];
    }

    /** {@return the index of the block at {@code offset} bytes into the pool, assuming it is a block start} */
    int indexOf(long offset) {
        return SizeClasses.blockIndex(offset, magic);
    }

    /** {@return true if {@code offset} is the start of a block of this table} */
    boolean isBlockStart(long offset, int index) {
        return (long) index * blockSize == offset && index < capacity;
    }

    /**
     * Moves block {@code index} from {@code expected} to {@code next}; {@return false if it was not in
     * {@code expected}}
     */
    boolean transition(int index, byte expected, byte next) {
        return STATE.compareAndSet(states, index, expected, next);
    }

    /** {@return the current state of block {@code index}} */
    byte state(int index) {
        return (byte) STATE.getVolatile(states, index);
    }

    /** {@return the size array, made on first use} */
    int[] resizedBytes() {
        int[] sizes = resizedBytes;
        if (sizes == null) {
            synchronized (this) {
                sizes = resizedBytes;
                if (sizes == null) {
                    sizes = new int[capacity];
                    resizedBytes = sizes;
                }
            }
        }
        return sizes;
    }

    /** {@return true if a state means a caller (or a pooled arena, or a reallocate) holds the block} */
    static boolean isHeld(byte state) {
        return state != FREE;
    }
}
