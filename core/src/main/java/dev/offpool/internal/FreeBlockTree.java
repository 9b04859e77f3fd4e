package dev.offpool.internal;

import dev.offpool.HeapCorruptionException;

import java.util.Arrays;

/**
 * The free blocks of a {@link LargeHeap}, ordered by {@code (size, address)}: an AVL tree over parallel primitive
 * arrays on the Java heap, so best fit is one {@code O(log n)} descent and no Java object exists per block.
 *
 * <pre>
 *  node i (an int; 0 is NIL)   sizes[i]  addresses[i]  left[i]  right[i]  heights[i]
 *
 *                 (1024, 0x7f..4000)
 *                /                  \
 *   (640, 0x7f..9000)            (4096, 0x7f..1000)
 *                                /
 *                     (4096, 0x7f..0000)      equal sizes: the lower address first
 * </pre>
 *
 * <p>Why an AVL tree over arrays, not a red-black tree or a tree threaded through the free blocks themselves: the
 * balance rule (sibling heights differ by at most one) is local and cheap to check in {@link #verify()}; the nodes
 * live where no caller can write, so a stray write through a dangling pointer cannot break the allocator's own
 * structure; and the arrays are a few bytes per free block (25), reused through a free list of node indices
 * (chained through {@code left[]}). Addresses compare as signed longs: user-space addresses are positive.
 *
 * <p>Handles returned by {@link #ceiling} and {@link #next} are valid until the next {@link #insert} or
 * {@link #remove}. Not thread-safe: the owner's lock guards it.
 */
final class FreeBlockTree {
    /** The null node handle. */
    static final int NONE = 0;

    private static final int INITIAL_NODES = 64;

    private long[] sizes = new long[INITIAL_NODES];
    private long[] addresses = new long[INITIAL_NODES];
    private int[] left = new int[INITIAL_NODES];
    private int[] right = new int[INITIAL_NODES];
    /** Height of the subtree at each node: 1 for a leaf, 0 for NIL; at most about 1.44 log2(n), so a byte holds it. */
    private byte[] heights = new byte[INITIAL_NODES];

    private int root = NONE;
    private int count;
    /** Recycled node indices, chained through {@code left[]}. */
    private int recycled = NONE;
    /** The first index never used; indices {@code 1..used-1} are in the tree or recycled. */
    private int used = 1;
    /** Set by {@link #removeFrom} when it found the key. */
    private boolean removed;

    /** {@return the number of free blocks in the tree} */
    int count() {
        return count;
    }

    /** {@return the size of the block at {@code node}} */
    long sizeOf(int node) {
        return sizes[node];
    }

    /** {@return the address of the block at {@code node}} */
    long addressOf(int node) {
        return addresses[node];
    }

    /**
     * Adds a free block.
     *
     * @throws IllegalStateException if the same {@code (size, address)} is already there (a bug in the caller)
     */
    void insert(long size, long address) {
        root = insertInto(root, size, address);
        count++;
    }

    /** Removes a free block; {@return false if no block {@code (size, address)} is in the tree} */
    boolean remove(long size, long address) {
        removed = false;
        root = removeFrom(root, size, address);
        if (removed) {
            count--;
        }
        return removed;
    }

    /** {@return true if the block {@code (size, address)} is in the tree} */
    boolean contains(long size, long address) {
        int n = root;
        while (n != NONE) {
            int c = compare(size, address, n);
            if (c == 0) {
                return true;
            }
            n = c < 0 ? left[n] : right[n];
        }
        return false;
    }

    /** {@return the smallest block of at least {@code minSize} bytes (the lowest address among equals), or NONE} */
    int ceiling(long minSize) {
        int best = NONE;
        int n = root;
        while (n != NONE) {
            if (sizes[n] >= minSize) {
                best = n;
                n = left[n];
            } else {
                n = right[n];
            }
        }
        return best;
    }

    /** {@return the block after {@code node} in {@code (size, address)} order, or NONE} */
    int next(int node) {
        long size = sizes[node];
        long address = addresses[node];
        int best = NONE;
        int n = root;
        while (n != NONE) {
            if (compare(size, address, n) < 0) {
                best = n;
                n = left[n];
            } else {
                n = right[n];
            }
        }
        return best;
    }

    /** {@return the largest block, or NONE if the tree is empty} */
    int largest() {
        int n = root;
        if (n == NONE) {
            return NONE;
        }
        while (right[n] != NONE) {
            n = right[n];
        }
        return n;
    }

    /** Receives free blocks in {@code (size, address)} order. */
    @FunctionalInterface
    interface Visitor {
        /** Called once per free block. */
        void visit(long size, long address);
    }

    /** Calls {@code visitor} for every block, smallest first. */
    void forEach(Visitor visitor) {
        forEachIn(root, visitor);
    }

    private void forEachIn(int n, Visitor visitor) {
        if (n != NONE) {
            forEachIn(left[n], visitor);
            visitor.visit(sizes[n], addresses[n]);
            forEachIn(right[n], visitor);
        }
    }

    /** Forgets every block and shrinks the arrays back to their initial size. */
    void clear() {
        sizes = new long[INITIAL_NODES];
        addresses = new long[INITIAL_NODES];
        left = new int[INITIAL_NODES];
        right = new int[INITIAL_NODES];
        heights = new byte[INITIAL_NODES];
        root = NONE;
        count = 0;
        recycled = NONE;
        used = 1;
    }

    /** {@return bytes of the Java-heap arrays, for the stats' metadata estimate} */
    long heapBytes() {
        return 5 * 16L + (long) sizes.length * (8 + 8 + 4 + 4 + 1);
    }

    /**
     * Checks the tree: keys strictly increase in order, every stored height is right, sibling heights differ by at
     * most one, the walk meets {@link #count()} nodes, and every node index is either in the tree or recycled.
     *
     * @throws HeapCorruptionException naming the first broken invariant
     */
    void verify() {
        int[] walked = new int[1];
        verifySubtree(root, NONE, NONE, walked, 0);
        check(walked[0] == count, "free-block tree: a walk meets " + walked[0] + " nodes but the count is " + count);
        int free = 0;
        for (int n = recycled; n != NONE; n = left[n]) {
            check(++free < used, "free-block tree: the recycled-node list loops");
        }
        check(count + free == used - 1, "free-block tree: " + count + " nodes in the tree and " + free
                + " recycled, but " + (used - 1) + " ever used");
    }

    private int verifySubtree(int n, int lower, int upper, int[] walked, int depth) {
        if (n == NONE) {
            return 0;
        }
        check(n > 0 && n < used, "free-block tree: node index " + n + " out of range");
        check(++walked[0] <= count && depth <= Byte.MAX_VALUE, "free-block tree: more nodes than the count ("
                + count + ") or a cycle, at " + describe(n));
        check(lower == NONE || compare(sizes[lower], addresses[lower], n) < 0, "free-block tree: " + describe(n)
                + " is not after " + describe(lower) + " but sits right of it");
        check(upper == NONE || compare(sizes[upper], addresses[upper], n) > 0, "free-block tree: " + describe(n)
                + " is not before " + describe(upper) + " but sits left of it");
        int hl = verifySubtree(left[n], lower, n, walked, depth + 1);
        int hr = verifySubtree(right[n], n, upper, walked, depth + 1);
        check(Math.abs(hl - hr) <= 1, "free-block tree: " + describe(n) + " is out of balance: subtree heights "
                + hl + " and " + hr);
        int h = 1 + Math.max(hl, hr);
        check(heights[n] == h, "free-block tree: " + describe(n) + " records height " + heights[n] + " but has "
                + h);
        return h;
    }

    private String describe(int n) {
        return "node " + n + " (" + sizes[n] + " bytes at 0x" + Long.toHexString(addresses[n]) + ")";
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new HeapCorruptionException(message);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // AVL mechanics. Recursion depth is the tree height: under 64 for any number of blocks that fits in memory.
    // ---------------------------------------------------------------------------------------------------------

    private int compare(long size, long address, int n) {
        int c = Long.compare(size, sizes[n]);
        return c != 0 ? c : Long.compare(address, addresses[n]);
    }

    private int insertInto(int n, long size, long address) {
        if (n == NONE) {
            return newNode(size, address);
        }
        int c = compare(size, address, n);
        // Assign through a local: the call may grow (replace) the arrays, and "left[n] = call()" would store into
        // the array read before the call.
        if (c < 0) {
            int child = insertInto(left[n], size, address);
            left[n] = child;
        } else if (c > 0) {
            int child = insertInto(right[n], size, address);
            right[n] = child;
        } else {
            throw new IllegalStateException("free block of " + size + " bytes at 0x" + Long.toHexString(address)
                    + " is already in the tree");
        }
        return rebalance(n);
    }

    private int removeFrom(int n, long size, long address) {
        if (n == NONE) {
            return NONE;
        }
        int c = compare(size, address, n);
        if (c < 0) {
            left[n] = removeFrom(left[n], size, address);
        } else if (c > 0) {
            right[n] = removeFrom(right[n], size, address);
        } else {
            removed = true;
            int l = left[n];
            int r = right[n];
            recycle(n);
            if (l == NONE || r == NONE) {
                return l == NONE ? r : l;
            }
            // Two children: the in-order successor (leftmost of the right subtree) takes the node's place.
            int successor = r;
            while (left[successor] != NONE) {
                successor = left[successor];
            }
            right[successor] = removeLeftmost(r);
            left[successor] = l;
            n = successor;
        }
        return rebalance(n);
    }

    private int removeLeftmost(int n) {
        if (left[n] == NONE) {
            return right[n];
        }
        left[n] = removeLeftmost(left[n]);
        return rebalance(n);
    }

    private int rebalance(int n) {
        int balance = heights[left[n]] - heights[right[n]];
        if (balance > 1) {
            int l = left[n];
            if (heights[left[l]] < heights[right[l]]) {
                left[n] = rotateLeft(l);
            }
            return rotateRight(n);
        }
        if (balance < -1) {
            int r = right[n];
            if (heights[right[r]] < heights[left[r]]) {
                right[n] = rotateRight(r);
            }
            return rotateLeft(n);
        }
        updateHeight(n);
        return n;
    }

    private int rotateRight(int n) {
        int l = left[n];
        left[n] = right[l];
        right[l] = n;
        updateHeight(n);
        updateHeight(l);
        return l;
    }

    private int rotateLeft(int n) {
        int r = right[n];
        right[n] = left[r];
        left[r] = n;
        updateHeight(n);
        updateHeight(r);
        return r;
    }

    private void updateHeight(int n) {
        heights[n] = (byte) (1 + Math.max(heights[left[n]], heights[right[n]]));
    }

    private int newNode(long size, long address) {
        int n;
        if (recycled != NONE) {
            n = recycled;
            recycled = left[n];
        } else {
            if (used == sizes.length) {
                grow();
            }
            n = used++;
        }
        sizes[n] = size;
        addresses[n] = address;
        left[n] = NONE;
        right[n] = NONE;
        heights[n] = 1;
        return n;
    }

    private void recycle(int n) {
        left[n] = recycled;
        right[n] = NONE;
        heights[n] = 0;
        recycled = n;
    }

    private void grow() {
        int length = sizes.length * 2;
        sizes = Arrays.copyOf(sizes, length);
        addresses = Arrays.copyOf(addresses, length);
        left = Arrays.copyOf(left, length);
        right = Arrays.copyOf(right, length);
        heights = Arrays.copyOf(heights, length);
    }
}
