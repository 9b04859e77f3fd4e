package dev.offpool.internal;


/**
 * Finds the {@link Region} that holds an address, without reading the address: the check that lets a free reject a
 * foreign or stale pointer before touching memory.
 *
 * <p>Every region is aligned to, and a multiple of, {@code 1 << shift} bytes (the smallest arena size), so the key
 * {@code address >>> shift} names at most one region and a region is registered under each key it covers. The table
 * is open-addressed over two parallel arrays (keys, regions), at most half full, so a lookup is a multiply, one or
 * two probes and no pointer chase before the answer. Readers take no lock: each table is immutable once published
 * through a volatile field; writers (region open and release, a few per megabyte of traffic) copy it under this
 * object's monitor.
 *
 * <p>A reader may get a region a writer has just removed. That is safe by construction: its memory is reached only
 * through its scoped segment (an access after release throws), and its block states say every block is free.
 */
public final class RegionMap {
    private static final long EMPTY = -1L; // address >>> shift, with shift >= 12, is never -1

    private record Table(long[] keys, Region[] regions, int mask, int used) {
        static Table empty(int capacity) {
            long[] keys = new long[capacity];
            java.util.Arrays.fill(keys, EMPTY);
            return new Table(keys, new Region[capacity], capacity - 1, 0);
        }
    }

    private final int shift;
    private volatile Table table = Table.empty(64);

    /** @param shift log2 of the alignment and size granularity every region has (at least 12) */
    public RegionMap(int shift) {
        if (shift < 12 || shift > 40) {
            throw new IllegalArgumentException("region granularity shift must be 12..40, was " + shift);
        }
        this.shift = shift;
    }

    /** {@return the granularity every region must be aligned to and sized in} */
    public long granuleBytes() {
        return 1L << shift;
    }

    /** {@return the region containing {@code address}, or null} Lock-free; reads nothing at the address. */
    public Region find(long address) {
        Table t = table;
        long key = address >>> shift;
        long[] keys = t.keys;
        int mask = t.mask;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return t.regions[i];
            }
            if (k == EMPTY) {
                return null;
            }
        }
    }

    /** Registers {@code region} under every key it covers. */
    public synchronized void add(Region region) {
        checkShape(region);
        Table t = table;
        int keysNeeded = keyCount(region);
        int capacity = t.keys.length;
        while ((t.used + keysNeeded) * 2 > capacity) {
            capacity *= 2;
        }
        Table next = rehash(t, capacity, null);
        int used = next.used;
        for (long key = region.base >>> shift; key < region.end >>> shift; key++) {
            int i = indexFor(next.keys, next.mask, key);
            if (next.keys[i] == key) {
                throw new IllegalStateException(region + " overlaps a registered region at key " + key);
            }
            next.keys[i] = key;
            next.regions[i] = region;
            used++;
        }
        table = new Table(next.keys, next.regions, next.mask, used);
    }

    /** Unregisters {@code region}. */
    public synchronized void remove(Region region) {
        Table t = table;
        table = rehash(t, t.keys.length, region);
    }

    /** {@return Java-heap bytes of the table, estimated} */
    public long heapBytes() {
        return 64 + 12L * table.keys.length;
    }

    private void checkShape(Region region) {
        long granule = 1L << shift;
        if ((region.base & (granule - 1)) != 0 || ((region.end - region.base) & (granule - 1)) != 0) {
            throw new IllegalArgumentException("region 0x" + Long.toHexString(region.base) + ".." + Long.toHexString(
                    region.end) + " is not aligned to and sized in " + granule + "-byte granules");
        }
    }

    private int keyCount(Region region) {
        return (int) ((region.end - region.base) >>> shift);
    }

    // Removal leaves holes that would cut probe chains short; rebuilding is simplest and writers are rare.
    private static Table rehash(Table t, int capacity, Region without) {
        Table next = Table.empty(capacity);
        int used = 0;
        for (int i = 0; i < t.keys.length; i++) {
            if (t.keys[i] != EMPTY && t.regions[i] != without) {
                int j = indexFor(next.keys, next.mask, t.keys[i]);
                next.keys[j] = t.keys[i];
                next.regions[j] = t.regions[i];
                used++;
            }
        }
        return new Table(next.keys, next.regions, next.mask, used);
    }

    private static int indexFor(long[] keys, int mask, long key) {
        int i = hash(key) & mask;
        while (keys[i] != EMPTY && keys[i] != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private static int hash(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> 32);
    }
}
