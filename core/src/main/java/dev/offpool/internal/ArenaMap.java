package dev.offpool.internal;

/**
 * Finds the arena holding an address without reading the address: a hash table keyed by
 * {@code address >>> log2(arenaSize)}.
 *
 * <p>Arenas are pool-aligned but not necessarily arena-aligned (the JDK's {@code Arena} source only promises the
 * alignment we ask of it), so one arena may straddle two keys and one key may touch two arenas: the end of one and
 * the start of the next. Each slot therefore keeps up to two arenas and the lookup checks the address against their
 * bounds. A hash rather than CPython's radix tree: with 1 MiB arenas a radix tree over 48-bit addresses needs
 * three levels of dependent loads, while this table is one multiply and usually one probe into a table that stays
 * small (two slots per arena at most, kept at most a quarter full) and cache-resident. We did not build the radix
 * tree to compare; what we measured is that the whole free path stays flat from 10^3 to 10^7 live blocks
 * ({@code LiveBlocksBenchmark}), so the lookup is not what bounds it.
 *
 * <p>Readers take no lock: the table is copy-on-write and published through a volatile field; writers (arena open
 * and release, under the heap's arena lock) are rare.
 */
final class ArenaMap {
    private record Slot(long key, ArenaChunk first, ArenaChunk second) {
    }

    private final int shift;
    private volatile Slot[] table = new Slot[16];
    private int size;

    ArenaMap(int arenaShift) {
        this.shift = arenaShift;
    }

    /** {@return the arena containing {@code address}, or null if none does} Lock-free. */
    ArenaChunk find(long address) {
        Slot[] t = table;
        long key = address >>> shift;
        int mask = t.length - 1;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            Slot s = t[i];
            if (s == null) {
                return null;
            }
            if (s.key == key) {
                if (s.first.contains(address)) {
                    return s.first;
                }
                return s.second != null && s.second.contains(address) ? s.second : null;
            }
        }
    }

    /** Registers {@code arena} under every key it touches. Caller holds the arena lock. */
    void add(ArenaChunk arena) {
        Slot[] t = copy(Math.max(table.length, Integer.highestOneBit(Math.max(16, (size + 2) * 4))));
        for (long key = arena.base >>> shift; key <= (arena.end - 1) >>> shift; key++) {
            int i = indexOf(t, key);
            Slot s = t[i];
            if (s == null) {
                t[i] = new Slot(key, arena, null);
                size++;
            } else {
                t[i] = new Slot(key, s.first, arena);
            }
        }
        table = t;
    }

    /** Unregisters {@code arena}. Caller holds the arena lock. */
    void remove(ArenaChunk arena) {
        Slot[] t = copy(table.length);
        for (long key = arena.base >>> shift; key <= (arena.end - 1) >>> shift; key++) {
            int i = indexOf(t, key);
            Slot s = t[i];
            ArenaChunk other = s.first == arena ? s.second : s.first;
            t[i] = other == null ? null : new Slot(key, other, null);
            if (other == null) {
                size--;
            }
        }
        table = rehash(t);
    }

    private Slot[] copy(int length) {
        return length == table.length ? table.clone() : rehash(table, length);
    }

    private static Slot[] rehash(Slot[] t) {
        return rehash(t, t.length);
    }

    // Removal leaves holes that would cut probe chains short; rebuilding is simplest and writers are rare.
    private static Slot[] rehash(Slot[] t, int length) {
        Slot[] fresh = new Slot[length];
        for (Slot s : t) {
            if (s != null) {
                fresh[indexOf(fresh, s.key)] = s;
            }
        }
        return fresh;
    }

    private static int indexOf(Slot[] t, long key) {
        int mask = t.length - 1;
        int i = hash(key) & mask;
        while (t[i] != null && t[i].key != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32);
    }
}
