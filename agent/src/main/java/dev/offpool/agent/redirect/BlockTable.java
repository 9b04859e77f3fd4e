package dev.offpool.agent.redirect;

import java.nio.ByteBuffer;

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
 *   address ──hash──▶ stripe (top 6 bits) ──▶ slot (low bits, linear probing)
 *   stripe: synchronized { long[] keys (0 = empty) ; BlockRecord[] records ; size }   grows at half full
 * </pre>
 *
 * <p>Sixty-four stripes, each an open-addressing table guarded by its own monitor: an insert or a removal is one
 * uncontended lock and a probe or two, no allocation (a {@code ConcurrentHashMap<Long, ...>} would box the key and
 * allocate a node per entry, and count every change in one shared counter). Removal shifts later entries back
 * instead of leaving tombstones, so probes stay short however long the program runs.
 */
final class BlockTable {
    private static final int STRIPE_BITS = 6;
    private static final int INITIAL_SLOTS = 64;

    private final Stripe[] stripes = new Stripe[1 << STRIPE_BITS];

    BlockTable() {
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Stripe();
        }
    }

    /** Adds a record; its address must not be in the table. */
    void add(BlockRecord record) {
        int hash = hash(record.address);
        Stripe stripe = stripes[hash >>> (32 - STRIPE_BITS)];
        synchronized (stripe) {
            stripe.insert(record, hash);
        }
    }

    /** {@return the record at {@code address} whose referent is {@code root}, removed; or null if there is none} */
    BlockRecord removeRoot(long address, ByteBuffer root) {
        int hash = hash(address);
        Stripe stripe = stripes[hash >>> (32 - STRIPE_BITS)];
        synchronized (stripe) {
            int slot = stripe.find(address, hash);
            if (slot < 0 || !stripe.records[slot].refersTo(root)) {
                return null;
            }
            BlockRecord record = stripe.records[slot];
            stripe.deleteAt(slot);
            return record;
        }
    }

    /** {@return true if the record at {@code address} has {@code root} as its referent} */
    boolean containsRoot(long address, ByteBuffer root) {
        int hash = hash(address);
        Stripe stripe = stripes[hash >>> (32 - STRIPE_BITS)];
        synchronized (stripe) {
            int slot = stripe.find(address, hash);
            return slot >= 0 && stripe.records[slot].refersTo(root);
        }
    }

    /** {@return true if this very record was in the table and is now removed} */
    boolean remove(BlockRecord record) {
        int hash = hash(record.address);
        Stripe stripe = stripes[hash >>> (32 - STRIPE_BITS)];
        synchronized (stripe) {
            int slot = stripe.find(record.address, hash);
            if (slot < 0 || stripe.records[slot] != record) {
                return false;
            }
            stripe.deleteAt(slot);
            return true;
        }
    }

    /** {@return the number of records} Exact only while nothing else changes the table. */
    long size() {
        long size = 0;
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                size += stripe.size;
            }
        }
        return size;
    }

    /** Fibonacci hashing of the address without its always-zero low bits; the top bits pick the stripe. */
    private static int hash(long address) {
        return (int) (((address >>> 4) * 0x9E3779B97F4A7C15L) >>> 32);
    }

    /** One open-addressing table. Invariant: every key sits at or after its home slot with no empty slot between. */
    private static final class Stripe {
        long[] keys = new long[INITIAL_SLOTS];
        BlockRecord[] records = new BlockRecord[INITIAL_SLOTS];
        int size;

        int find(long address, int hash) {
            int mask = keys.length - 1;
            for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
                long key = keys[slot];
                if (key == address) {
                    return slot;
                }
                if (key == 0) {
                    return -1;
                }
            }
        }

        void insert(BlockRecord record, int hash) {
            if (2 * (size + 1) > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int slot = hash & mask;
            while (keys[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = record.address;
            records[slot] = record;
            size++;
        }

        /** Empties {@code slot} and moves back every later entry of the run that may no longer be reachable. */
        void deleteAt(int slot) {
            int mask = keys.length - 1;
            int hole = slot;
            for (int next = (hole + 1) & mask; keys[next] != 0; next = (next + 1) & mask) {
                int home = hash(keys[next]) & mask;
                // The entry at `next` may fill the hole unless its home lies cyclically in (hole, next].
                boolean homeAfterHole = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
                if (!homeAfterHole) {
                    keys[hole] = keys[next];
                    records[hole] = records[next];
                    hole = next;
                }
            }
            keys[hole] = 0;
            records[hole] = null;
            size--;
        }

        private void grow() {
            long[] oldKeys = keys;
            BlockRecord[] oldRecords = records;
            keys = new long[oldKeys.length * 2];
            records = new BlockRecord[oldKeys.length * 2];
            int mask = keys.length - 1;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != 0) {
                    int slot = hash(oldKeys[i]) & mask;
                    while (keys[slot] != 0) {
                        slot = (slot + 1) & mask;
                    }
                    keys[slot] = oldKeys[i];
                    records[slot] = oldRecords[i];
                }
            }
        }
    }
}
