package dev.offpool.internal;

import java.util.Arrays;
import java.util.List;

/**
 * Finds the large chunk holding an address without reading the address: a sorted array of chunk bases, searched by
 * bisection.
 *
 * <p>Why not {@link ArenaMap}'s hash on {@code address >>> shift}: large chunks differ in size (a request bigger than
 * the standard chunk gets a chunk sized to fit), so no single shift names them, and they are few (one per 4 MiB by
 * default), so {@code O(log chunks)} is a handful of comparisons. Readers take no lock: the arrays are copy-on-write
 * and published through a volatile field; writers (chunk open and release, under the heap's lock) are rare.
 */
final class LargeChunkIndex {
    /** Chunks in address order, with their bases copied out so the search touches one array. */
    private record Snapshot(long[] bases, LargeChunk[] chunks) {
    }

    private volatile Snapshot snapshot = new Snapshot(new long[0], new LargeChunk[0]);

    /** {@return the chunk containing {@code address}, or null if none does} Lock-free. */
    LargeChunk find(long address) {
        Snapshot s = snapshot;
        int i = Arrays.binarySearch(s.bases, address);
        if (i < 0) {
            i = -i - 2; // the last base below the address
            if (i < 0) {
                return null;
            }
        }
        LargeChunk chunk = s.chunks[i];
        return chunk.contains(address) ? chunk : null;
    }

    /** Registers {@code chunk}. Caller holds the heap's lock. */
    void add(LargeChunk chunk) {
        Snapshot s = snapshot;
        int i = -Arrays.binarySearch(s.bases, chunk.base) - 1;
        if (i < 0) {
            throw new IllegalStateException(chunk + " is already registered");
        }
        int n = s.bases.length;
        long[] bases = new long[n + 1];
        LargeChunk[] chunks = new LargeChunk[n + 1];
        System.arraycopy(s.bases, 0, bases, 0, i);
        System.arraycopy(s.chunks, 0, chunks, 0, i);
        bases[i] = chunk.base;
        chunks[i] = chunk;
        System.arraycopy(s.bases, i, bases, i + 1, n - i);
        System.arraycopy(s.chunks, i, chunks, i + 1, n - i);
        snapshot = new Snapshot(bases, chunks);
    }

    /** Unregisters {@code chunk}. Caller holds the heap's lock. */
    void remove(LargeChunk chunk) {
        Snapshot s = snapshot;
        int i = Arrays.binarySearch(s.bases, chunk.base);
        if (i < 0 || s.chunks[i] != chunk) {
            throw new IllegalStateException(chunk + " is not registered");
        }
        int n = s.bases.length;
        long[] bases = new long[n - 1];
        LargeChunk[] chunks = new LargeChunk[n - 1];
        System.arraycopy(s.bases, 0, bases, 0, i);
        System.arraycopy(s.chunks, 0, chunks, 0, i);
        System.arraycopy(s.bases, i + 1, bases, i, n - i - 1);
        System.arraycopy(s.chunks, i + 1, chunks, i, n - i - 1);
        snapshot = new Snapshot(bases, chunks);
    }

    /** {@return the chunks in address order} */
    List<LargeChunk> chunks() {
        return List.of(snapshot.chunks);
    }

    /** {@return the number of chunks} */
    int size() {
        return snapshot.chunks.length;
    }

    /** {@return estimated Java-heap bytes of the arrays} */
    long heapBytes() {
        return 48 + 12L * snapshot.chunks.length;
    }
}
