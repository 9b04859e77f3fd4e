package dev.offpool.agent.redirect;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The live redirected blocks, by address: it keeps every {@link BlockRecord} strongly reachable (a phantom reference
 * that is itself garbage is never enqueued) and finds a record from a buffer's address for an explicit free.
 *
 * <p>Removal is the arbiter of exactly-once release: whoever removes a record (an explicit free, matched by the
 * root buffer's identity, or the GC path, matched by the record's identity) frees its block; every other attempt
 * finds nothing. A block's address is reused only after its record is removed, so the table never holds two records
 * at one address.
 *
 * <pre>
 *   level  = log2(capacity), clamped to 4..14         granule = 2^level bytes
 *   address: | window: address >>> (level + 10) | slot: 10 bits | level low bits |
 *
 *   (level, window) ──mix──▶ stripe (64 per level, each under its own monitor)
 *                               └─ open-addressing table of windows ─▶ BlockRecord[1024], one slot per granule
 * </pre>
 *
 * <p>Why windows and not a hash of the address: a program that drops its buffers keeps hundreds of thousands of
 * records here until the next GC. Hashed, each insert and removal lands on a random cache line of a table of many
 * megabytes, and that miss was two thirds of the GC-freed allocation path (about 300 ns per insert, measured with
 * 400,000 records; about 15 ns with windows). The allocator hands out neighbouring blocks in a row, so slots indexed
 * by the address inside its window are written in a row too, several to a cache line; only the small table of
 * windows is hashed.
 *
 * <p>Why levels: two live blocks of at least {@code 2^level} bytes start at least that far apart, so they never share
 * a granule of that size; records are filed by their capacity's level (a lookup knows the capacity: it is the
 * buffer's), so a window of 1024 slots covers 1024 blocks of its size class, not 1024 granules of 16 bytes that
 * a 4 KiB block would leave mostly empty. Offpool's blocks start on 16-byte boundaries, so level 4 is the finest.
 *
 * <p>A window's array is dropped when its last record goes (a few are kept per stripe for reuse), so memory follows
 * the live blocks: at most 4 KiB (with compressed references) per window that holds any.
 */
final class BlockTable {
    private static final int MIN_LEVEL = 4;
    private static final int MAX_LEVEL = 14;
    private static final int SLOT_BITS = 10;
    private static final int SLOTS_PER_WINDOW = 1 << SLOT_BITS;
    private static final int STRIPE_BITS = 6;
    private static final int INITIAL_WINDOWS = 16;
    private static final int SPARE_WINDOWS = 4;

    /** {@code stripes[level - MIN_LEVEL][stripe]}. */
    private final Stripe[][] stripes = new Stripe[MAX_LEVEL - MIN_LEVEL + 1][1 << STRIPE_BITS];

    BlockTable() {
        for (Stripe[] level : stripes) {
            for (int i = 0; i < level.length; i++) {
                level[i] = new Stripe();
            }
        }
    }

    /**
     * Adds a record; its address must not be in the table.
     *
     * @throws IllegalArgumentException if the address is not a multiple of 16 (not a block offpool hands out)
     */
    void add(BlockRecord record) {
        long address = record.address;
        if ((address & ((1 << MIN_LEVEL) - 1)) != 0 || address == 0) {
            throw new IllegalArgumentException("block address 0x" + Long.toHexString(address)
                    + " is not a non-zero multiple of 16");
        }
        int level = level(record.capacity);
        long window = windowKey(address, level);
        Stripe stripe = stripeOf(level, window);
        synchronized (stripe) {
            stripe.add(window, slotOf(address, level), record);
        }
    }

    /** {@return the record at {@code address} whose referent is {@code root}, removed; or null if there is none} */
    BlockRecord removeRoot(long address, ByteBuffer root) {
        int level = level(root.capacity());
        long window = windowKey(address, level);
        Stripe stripe = stripeOf(level, window);
        synchronized (stripe) {
            int index = stripe.find(window);
            if (index < 0) {
                return null;
            }
            int slot = slotOf(address, level);
            BlockRecord record = stripe.windows[index][slot];
            if (record == null || record.address != address || !record.refersTo(root)) {
                return null;
            }
            stripe.clear(index, slot);
            return record;
        }
    }

    /** {@return true if the record at {@code address} has {@code root} as its referent} */
    boolean containsRoot(long address, ByteBuffer root) {
        int level = level(root.capacity());
        long window = windowKey(address, level);
        Stripe stripe = stripeOf(level, window);
        synchronized (stripe) {
            int index = stripe.find(window);
            if (index < 0) {
                return false;
            }
            BlockRecord record = stripe.windows[index][slotOf(address, level)];
            return record != null && record.address == address && record.refersTo(root);
        }
    }

    /** {@return true if this very record was in the table and is now removed} */
    boolean remove(BlockRecord record) {
        int level = level(record.capacity);
        long window = windowKey(record.address, level);
        Stripe stripe = stripeOf(level, window);
        synchronized (stripe) {
            int index = stripe.find(window);
            if (index < 0) {
                return false;
            }
            int slot = slotOf(record.address, level);
            if (stripe.windows[index][slot] != record) {
                return false;
            }
            stripe.clear(index, slot);
            return true;
        }
    }

    /** {@return the number of records} Exact only while nothing else changes the table. */
    long size() {
        long size = 0;
        for (Stripe[] level : stripes) {
            for (Stripe stripe : level) {
                synchronized (stripe) {
                    for (int i = 0; i < stripe.keys.length; i++) {
                        size += stripe.counts[i];
                    }
                }
            }
        }
        return size;
    }

    /** {@return log2 of the capacity, clamped to MIN_LEVEL..MAX_LEVEL} Capacities below 16 share level 4. */
    private static int level(int capacity) {
        int log2 = 31 - Integer.numberOfLeadingZeros(Math.max(capacity, 1));
        return Math.clamp(log2, MIN_LEVEL, MAX_LEVEL);
    }

    /** {@return the window's number plus one: 0 marks an empty entry, and low addresses have window 0} */
    private static long windowKey(long address, int level) {
        return (address >>> (level + SLOT_BITS)) + 1;
    }

    private Stripe stripeOf(int level, long window) {
        return stripes[level - MIN_LEVEL][mix(window) >>> (32 - STRIPE_BITS)];
    }

    private static int slotOf(long address, int level) {
        return (int) (address >>> level) & (SLOTS_PER_WINDOW - 1);
    }

    /** Fibonacci hashing: neighbouring windows land far apart. */
    private static int mix(long window) {
        return (int) ((window * 0x9E3779B97F4A7C15L) >>> 32);
    }

    /**
     * The windows of one stripe: an open-addressing table (linear probing, no tombstones) of window numbers, each
     * with its slot array and its number of records. Invariant: a window is in the table iff its count is positive,
     * and every key sits at or after its home slot with no empty slot between.
     */
    private static final class Stripe {
        long[] keys = new long[INITIAL_WINDOWS];
        BlockRecord[][] windows = new BlockRecord[INITIAL_WINDOWS][];
        int[] counts = new int[INITIAL_WINDOWS];
        int size;
        private final BlockRecord[][] spares = new BlockRecord[SPARE_WINDOWS][];
        private int spareCount;

        int find(long window) {
            int mask = keys.length - 1;
            for (int i = mix(window) & mask; ; i = (i + 1) & mask) {
                if (keys[i] == window) {
                    return i;
                }
                if (keys[i] == 0) {
                    return -1;
                }
            }
        }

        void add(long window, int slot, BlockRecord record) {
            int index = find(window);
            if (index < 0) {
                index = insertWindow(window);
            }
            windows[index][slot] = record;
            counts[index]++;
        }

        void clear(int index, int slot) {
            windows[index][slot] = null;
            if (--counts[index] == 0) {
                deleteWindow(index);
            }
        }

        private int insertWindow(long window) {
            if (2 * (size + 1) > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int index = mix(window) & mask;
            while (keys[index] != 0) {
                index = (index + 1) & mask;
            }
            keys[index] = window;
            windows[index] = spareCount > 0 ? spares[--spareCount] : new BlockRecord[SLOTS_PER_WINDOW];
            size++;
            return index;
        }

        /** Empties slot {@code index} and moves back every later entry of the run that may no longer be found. */
        private void deleteWindow(int index) {
            if (spareCount < SPARE_WINDOWS) {
                spares[spareCount++] = windows[index]; // all null: its last record was just cleared
            }
            int mask = keys.length - 1;
            int hole = index;
            for (int next = (hole + 1) & mask; keys[next] != 0; next = (next + 1) & mask) {
                int home = mix(keys[next]) & mask;
                // The entry at `next` may fill the hole unless its home lies cyclically in (hole, next].
                boolean homeAfterHole = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
                if (!homeAfterHole) {
                    keys[hole] = keys[next];
                    windows[hole] = windows[next];
                    counts[hole] = counts[next];
                    hole = next;
                }
            }
            keys[hole] = 0;
            windows[hole] = null;
            counts[hole] = 0;
            size--;
        }

        private void grow() {
            long[] oldKeys = keys;
            BlockRecord[][] oldWindows = windows;
            int[] oldCounts = counts;
            int length = oldKeys.length * 2;
            keys = new long[length];
            windows = new BlockRecord[length][];
            counts = new int[length];
            int mask = length - 1;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != 0) {
                    int index = mix(oldKeys[i]) & mask;
                    while (keys[index] != 0) {
                        index = (index + 1) & mask;
                    }
                    keys[index] = oldKeys[i];
                    windows[index] = oldWindows[i];
                    counts[index] = oldCounts[i];
                }
            }
            Arrays.fill(oldWindows, null);
        }
    }
}
