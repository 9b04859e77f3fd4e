package dev.offpool.internal.large;

import dev.offpool.HeapCorruptionException;

import java.util.Arrays;

/**
 * The free blocks of a {@link LargeHeap}, ordered by {@code (size, address)}: an AVL tree in one primitive array on
 * the Java heap, so best fit is one {@code O(log n)} descent and no Java object exists per block.
 *
 * <pre>
 *  nodes[]: node i (an int; 0 is NIL, all zeros) is the 4 longs from nodes[4 * i], 32 bytes
 *
 *    4i       4i+1      4i+2                      4i+3     4i+4
 *   +--------+---------+-------------------------+--------+--------+---------+---
 *   |  size  | address | right (hi) | left (lo)  | height |  size  | address | ...
 *   +--------+---------+-------------------------+--------+--------+---------+---
 *    \________________ node i __________________/ \______ node i + 1 ______
 *
 *                 (1024, 0x7f..4000)
 *                /                  \
 *   (640, 0x7f..9000)            (4096, 0x7f..1000)
 *                                /
 *                     (4096, 0x7f..0000)      equal sizes: the lower address first
 * </pre>
 *
 * <p>Why one array with each node's fields side by side, not an array per field: a descent reads a node's size,
 * links and often its address at every level, and once the tree outgrows the cache each separate array costs a miss
 * of its own, three or four cache lines per level; with the fields together a level costs one line (two nodes to a
 * 64-byte line; the JVM aligns arrays to 8 bytes only, so a node may straddle into the adjacent line, which the
 * hardware's adjacent-line prefetch usually brings along).
 *
 * <p>Why an AVL tree over an array, not a red-black tree or a tree threaded through the free blocks themselves: the
 * balance rule (sibling heights differ by at most one) is local and cheap to check in {@link #verify()}; the nodes
 * live where no caller can write, so a stray write through a dangling pointer cannot break the allocator's own
 * structure; and the array is 32 bytes per free block, reused through a free list of node indices (chained through
 * the left links). Addresses compare as signed longs: user-space addresses are positive.
 *
 * <p>Handles returned by {@link #ceiling} and {@link #next} are valid until the next {@link #insert},
 * {@link #remove} or {@link #replace}. Not thread-safe: the owner's lock guards it.
 */
final class FreeBlockTree {
    /** The null node handle. */
    static final int NONE = 0;

    private static final int INITIAL_NODES = 64;
    /** Longs per node; a power of two so a node's first long is {@code n << NODE_SHIFT}. */
    private static final int NODE_SHIFT = 2;
    private static final int SIZE = 0;
    private static final int ADDRESS = 1;
    /** The left child in the low 32 bits, the right child in the high 32. */
    private static final int LINKS = 2;
    /** Height of the subtree at the node: 1 for a leaf, 0 for NIL and recycled nodes. */
    private static final int HEIGHT = 3;
    private static final long LOW_INT = 0xFFFF_FFFFL;

    /** Node {@code n} is {@code nodes[n << NODE_SHIFT] ..}; node 0 (NIL) stays all zeros. */
    private long[] nodes = new long[INITIAL_NODES << NODE_SHIFT];

    private int root = NONE;
    private int count;
    /** Recycled node indices, chained through their left links. */
    private int recycled = NONE;
    /** The first index never used; indices {@code 1..used-1} are in the tree or recycled. */
    private int used = 1;
    /**
     * The nodes a descent passed, root first: the ancestors of the node an insert or remove changes, so the retrace
     * can walk back up without parent links. An AVL tree of 2^31 nodes is under 46 high.
     */
    private final int[] path = new int[64];
    /** How many nodes the last {@link #descend} put on {@link #path}. */
    private int depth;

    /** {@return the number of free blocks in the tree} */
    int count() {
        return count;
    }

    /** {@return the size of the block at {@code node}} */
    long sizeOf(int node) {
        return nodes[(node << NODE_SHIFT) + SIZE];
    }

    /** {@return the address of the block at {@code node}} */
    long addressOf(int node) {
        return nodes[(node << NODE_SHIFT) + ADDRESS];
    }

    /**
     * Adds a free block.
     *
     * @throws IllegalStateException if the same {@code (size, address)} is already there (a bug in the caller)
     */
    void insert(long size, long address) {
        if (descend(size, address) != NONE) {
            throw alreadyThere(size, address);
        }
        attach(newNode(size, address), size, address);
    }

    /** Removes a free block; {@return false if no block {@code (size, address)} is in the tree} */
    boolean remove(long size, long address) {
        int n = descend(size, address);
        if (n == NONE) {
            return false;
        }
        detach(n, depth);
        recycle(n);
        return true;
    }

    /**
     * Gives the block {@code (size, address)} the key {@code (newSize, newAddress)}: the same as {@link #remove}
     * then {@link #insert}, but when the new key still sorts between the block's neighbours, as it does when a
     * large free block shrinks or grows by a request's worth, the node's key is overwritten where it stands: one
     * descent, no rebalancing. Otherwise the node moves to its new place, one descent fewer than remove and insert.
     *
     * @return false, and nothing changed, if no block {@code (size, address)} is in the tree
     * @throws IllegalStateException as {@link #insert} does, after removing the old block
     */
    boolean replace(long size, long address, long newSize, long newAddress) {
        int n = descend(size, address);
        if (n == NONE) {
            return false;
        }
        int depth = this.depth;
        int predecessor = left(n) != NONE ? rightmost(left(n)) : nearestAncestor(n, depth, true);
        int successor = right(n) != NONE ? leftmost(right(n)) : nearestAncestor(n, depth, false);
        int at = n << NODE_SHIFT;
        if ((predecessor == NONE || compare(newSize, newAddress, predecessor) > 0)
                && (successor == NONE || compare(newSize, newAddress, successor) < 0)) {
            nodes[at + SIZE] = newSize;
            nodes[at + ADDRESS] = newAddress;
            return true;
        }
        detach(n, depth);
        if (descend(newSize, newAddress) != NONE) {
            recycle(n);
            throw alreadyThere(newSize, newAddress);
        }
        nodes[at + SIZE] = newSize;
        nodes[at + ADDRESS] = newAddress;
        nodes[at + LINKS] = 0;
        nodes[at + HEIGHT] = 1;
        attach(n, newSize, newAddress);
        return true;
    }

    /** {@return true if the block {@code (size, address)} is in the tree} */
    boolean contains(long size, long address) {
        return descend(size, address) != NONE;
    }

    /** {@return the smallest block of at least {@code minSize} bytes (the lowest address among equals), or NONE} */
    int ceiling(long minSize) {
        int best = NONE;
        int n = root;
        while (n != NONE) {
            int at = n << NODE_SHIFT;
            long links = nodes[at + LINKS];
            if (nodes[at + SIZE] >= minSize) {
                best = n;
                n = (int) links;
            } else {
                n = (int) (links >>> 32);
            }
        }
        return best;
    }

    /** {@return the block after {@code node} in {@code (size, address)} order, or NONE} */
    int next(int node) {
        long size = sizeOf(node);
        long address = addressOf(node);
        int best = NONE;
        int n = root;
        while (n != NONE) {
            if (compare(size, address, n) < 0) {
                best = n;
                n = left(n);
            } else {
                n = right(n);
            }
        }
        return best;
    }

    /** {@return the largest block, or NONE if the tree is empty} */
    int largest() {
        return root == NONE ? NONE : rightmost(root);
    }

    private int leftmost(int n) {
        while (left(n) != NONE) {
            n = left(n);
        }
        return n;
    }

    private int rightmost(int n) {
        while (right(n) != NONE) {
            n = right(n);
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
            forEachIn(left(n), visitor);
            visitor.visit(sizeOf(n), addressOf(n));
            forEachIn(right(n), visitor);
        }
    }

    /** Forgets every block and shrinks the array back to its initial size. */
    void clear() {
        nodes = new long[INITIAL_NODES << NODE_SHIFT];
        root = NONE;
        count = 0;
        recycled = NONE;
        used = 1;
    }

    /** {@return bytes of the Java-heap array, for the stats' metadata estimate} */
    long heapBytes() {
        return 16L + 8L * nodes.length;
    }

    /**
     * Checks the tree: keys strictly increase in order, every stored height is right, sibling heights differ by at
     * most one, the walk meets {@link #count()} nodes, and every node index is either in the tree or recycled.
     *
     * @throws HeapCorruptionException naming the first broken invariant
     */
    void verify() {
        check(nodes[SIZE] == 0 && nodes[ADDRESS] == 0 && nodes[LINKS] == 0 && nodes[HEIGHT] == 0,
                "free-block tree: the NIL node is not all zeros");
        int[] walked = new int[1];
        verifySubtree(root, NONE, NONE, walked, 0);
        check(walked[0] == count, "free-block tree: a walk meets " + walked[0] + " nodes but the count is " + count);
        int free = 0;
        for (int n = recycled; n != NONE; n = left(n)) {
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
        check(lower == NONE || compare(sizeOf(lower), addressOf(lower), n) < 0, "free-block tree: " + describe(n)
                + " is not after " + describe(lower) + " but sits right of it");
        check(upper == NONE || compare(sizeOf(upper), addressOf(upper), n) > 0, "free-block tree: " + describe(n)
                + " is not before " + describe(upper) + " but sits left of it");
        int hl = verifySubtree(left(n), lower, n, walked, depth + 1);
        int hr = verifySubtree(right(n), n, upper, walked, depth + 1);
        check(Math.abs(hl - hr) <= 1, "free-block tree: " + describe(n) + " is out of balance: subtree heights "
                + hl + " and " + hr);
        int h = 1 + Math.max(hl, hr);
        check(height(n) == h, "free-block tree: " + describe(n) + " records height " + height(n) + " but has " + h);
        return h;
    }

    private String describe(int n) {
        return "node " + n + " (" + sizeOf(n) + " bytes at 0x" + Long.toHexString(addressOf(n)) + ")";
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new HeapCorruptionException(message);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Node fields. Every read goes through the current array: growth replaces it.
    // ---------------------------------------------------------------------------------------------------------

    private int left(int n) {
        return (int) nodes[(n << NODE_SHIFT) + LINKS];
    }

    private int right(int n) {
        return (int) (nodes[(n << NODE_SHIFT) + LINKS] >>> 32);
    }

    private void setLeft(int n, int child) {
        int at = (n << NODE_SHIFT) + LINKS;
        nodes[at] = (nodes[at] & ~LOW_INT) | (child & LOW_INT);
    }

    private void setRight(int n, int child) {
        int at = (n << NODE_SHIFT) + LINKS;
        nodes[at] = (nodes[at] & LOW_INT) | ((long) child << 32);
    }

    private int height(int n) {
        return (int) nodes[(n << NODE_SHIFT) + HEIGHT];
    }

    // ---------------------------------------------------------------------------------------------------------
    // AVL mechanics: a change at the bottom of the path, then a retrace up it.
    // ---------------------------------------------------------------------------------------------------------

    private int compare(long size, long address, int n) {
        int at = n << NODE_SHIFT;
        int c = Long.compare(size, nodes[at + SIZE]);
        return c != 0 ? c : Long.compare(address, nodes[at + ADDRESS]);
    }

    /**
     * Walks from the root towards {@code (size, address)}, putting the nodes passed on {@link #path} and their
     * number in {@link #depth}; {@return the node with that key, or NONE}
     */
    private int descend(long size, long address) {
        int depth = 0;
        int n = root;
        while (n != NONE) {
            int c = compare(size, address, n);
            if (c == 0) {
                break;
            }
            path[depth++] = n;
            n = c < 0 ? left(n) : right(n);
        }
        this.depth = depth;
        return n;
    }

    /** Hangs the lone node {@code n}, keyed {@code (size, address)}, where the last {@link #descend} ended. */
    private void attach(int n, long size, long address) {
        int depth = this.depth;
        if (depth == 0) {
            root = n;
        } else if (compare(size, address, path[depth - 1]) < 0) {
            setLeft(path[depth - 1], n);
        } else {
            setRight(path[depth - 1], n);
        }
        count++;
        retrace(depth);
    }

    /** Takes node {@code n}, found by a descent that left {@code depth} ancestors on the path, out of the tree. */
    private void detach(int n, int depth) {
        int l = left(n);
        int r = right(n);
        if (l == NONE || r == NONE) {
            relink(depth, n, l == NONE ? r : l);
        } else {
            // Two children: the in-order successor (leftmost of the right subtree) leaves its place to its right
            // child and takes the node's place, height and all; the retrace then starts from where it left.
            int place = depth++;
            path[place] = n;
            int successor = r;
            while (left(successor) != NONE) {
                path[depth++] = successor;
                successor = left(successor);
            }
            if (path[depth - 1] == n) {
                setRight(n, right(successor));
            } else {
                setLeft(path[depth - 1], right(successor));
            }
            int at = successor << NODE_SHIFT;
            int from = n << NODE_SHIFT;
            nodes[at + LINKS] = nodes[from + LINKS];
            nodes[at + HEIGHT] = nodes[from + HEIGHT];
            relink(place, n, successor);
            path[place] = successor;
        }
        count--;
        retrace(depth);
    }

    /**
     * {@return the nearest of node {@code n}'s {@code depth} ancestors on the path that has it in its right subtree
     * (the closest smaller key above it), or in its left subtree if {@code fromRight} is false; NONE if none has}
     */
    private int nearestAncestor(int n, int depth, boolean fromRight) {
        int child = n;
        for (int i = depth - 1; i >= 0; i--) {
            int parent = path[i];
            if ((right(parent) == child) == fromRight) {
                return parent;
            }
            child = parent;
        }
        return NONE;
    }

    private static IllegalStateException alreadyThere(long size, long address) {
        return new IllegalStateException("free block of " + size + " bytes at 0x" + Long.toHexString(address)
                + " is already in the tree");
    }

    /**
     * Rebalances {@code path[depth - 1]} up to the root after a change below it, and stops at the first subtree
     * whose height comes out as before: nothing above can tell the difference. An insert stops within a level or
     * two on average, where rebalancing every ancestor would read a sibling's node at every level.
     */
    private void retrace(int depth) {
        for (int i = depth - 1; i >= 0; i--) {
            int n = path[i];
            int before = height(n);
            int top = rebalance(n);
            if (top != n) {
                relink(i, n, top);
            }
            if (height(top) == before) {
                return;
            }
        }
    }

    /** Puts {@code replacement} where {@code child} hangs from {@code path[i - 1]} (the root's place if i is 0). */
    private void relink(int i, int child, int replacement) {
        if (i == 0) {
            root = replacement;
        } else if (left(path[i - 1]) == child) {
            setLeft(path[i - 1], replacement);
        } else {
            setRight(path[i - 1], replacement);
        }
    }

    private int rebalance(int n) {
        int l = left(n);
        int r = right(n);
        int balance = height(l) - height(r);
        if (balance > 1) {
            if (height(left(l)) < height(right(l))) {
                setLeft(n, rotateLeft(l));
            }
            return rotateRight(n);
        }
        if (balance < -1) {
            if (height(right(r)) < height(left(r))) {
                setRight(n, rotateRight(r));
            }
            return rotateLeft(n);
        }
        setHeight(n, l, r);
        return n;
    }

    private int rotateRight(int n) {
        int l = left(n);
        setLeft(n, right(l));
        setRight(l, n);
        updateHeight(n);
        updateHeight(l);
        return l;
    }

    private int rotateLeft(int n) {
        int r = right(n);
        setRight(n, left(r));
        setLeft(r, n);
        updateHeight(n);
        updateHeight(r);
        return r;
    }

    private void updateHeight(int n) {
        setHeight(n, left(n), right(n));
    }

    /** Stores the height of node {@code n} whose children are {@code l} and {@code r}. */
    private void setHeight(int n, int l, int r) {
        nodes[(n << NODE_SHIFT) + HEIGHT] = 1 + Math.max(height(l), height(r));
    }

    private int newNode(long size, long address) {
        int n;
        if (recycled != NONE) {
            n = recycled;
            recycled = left(n);
        } else {
            if (used << NODE_SHIFT == nodes.length) {
                grow();
            }
            n = used++;
        }
        int at = n << NODE_SHIFT;
        nodes[at + SIZE] = size;
        nodes[at + ADDRESS] = address;
        nodes[at + LINKS] = 0; // both children NIL
        nodes[at + HEIGHT] = 1;
        return n;
    }

    private void recycle(int n) {
        int at = n << NODE_SHIFT;
        nodes[at + LINKS] = recycled & LOW_INT; // the chain runs through the left link; the right one is NIL
        nodes[at + HEIGHT] = 0;
        recycled = n;
    }

    private void grow() {
        nodes = Arrays.copyOf(nodes, nodes.length * 2);
    }
}
