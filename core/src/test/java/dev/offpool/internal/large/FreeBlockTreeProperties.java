package dev.offpool.internal.large;

import dev.offpool.testing.Draw;
import dev.offpool.testing.RandomTries;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The AVL tree against a {@link TreeSet} of (size, address) pairs: random inserts, removes and key replacements (many
 * equal sizes, so the address tie-break matters), verify() after every one, and every search answered as the model
 * answers it.
 */
class FreeBlockTreeProperties {
    private static final Comparator<long[]> BY_SIZE_THEN_ADDRESS =
            Comparator.<long[]>comparingLong(b -> b[0]).thenComparingLong(b -> b[1]);

    @Test
    void treeAnswersAsASortedSetDoes() {
        RandomTries.run(200, draw -> treeAnswersAsASortedSetDoes(draw.ints(400, 0, 999), draw.anyLong()));
    }

    private static void treeAnswersAsASortedSetDoes(List<Integer> ops, long seed) {
        FreeBlockTree tree = new FreeBlockTree();
        TreeSet<long[]> model = new TreeSet<>(BY_SIZE_THEN_ADDRESS);
        List<long[]> present = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed);
        for (int op : ops) {
            if (op < 550 || present.isEmpty()) {
                long[] block = {64L * (1 + random.nextInt(40)), 0x10000L + 16L * random.nextInt(1 << 20)};
                if (model.add(block)) {
                    tree.insert(block[0], block[1]);
                    present.add(block);
                }
            } else if (op < 950) {
                long[] block = present.remove(random.nextInt(present.size()));
                model.remove(block);
                assertTrue(tree.remove(block[0], block[1]));
                assertFalse(tree.remove(block[0], block[1]), "removed twice");
            } else {
                assertFalse(tree.remove(64L * 41, 0x10000L), "removed a block never inserted");
            }
            tree.verify();
            assertEquals(model.size(), tree.count());
            long probe = 64L * random.nextInt(43);
            long[] expected = model.ceiling(new long[] {probe, Long.MIN_VALUE});
            int node = tree.ceiling(probe);
            assertEquals(expected == null, node == FreeBlockTree.NONE, "ceiling of " + probe);
            if (expected != null) {
                assertEquals(expected[0], tree.sizeOf(node));
                assertEquals(expected[1], tree.addressOf(node));
                long[] after = model.higher(expected);
                int next = tree.next(node);
                assertEquals(after == null, next == FreeBlockTree.NONE);
                if (after != null) {
                    assertEquals(after[1], tree.addressOf(next));
                }
            }
            int largest = tree.largest();
            assertEquals(model.isEmpty(), largest == FreeBlockTree.NONE);
            if (!model.isEmpty()) {
                assertEquals(model.last()[1], tree.addressOf(largest));
            }
        }
        List<long[]> walked = new ArrayList<>();
        tree.forEach((size, address) -> walked.add(new long[] {size, address}));
        assertEquals(model.size(), walked.size());
        int i = 0;
        for (long[] b : model) {
            assertEquals(b[0], walked.get(i)[0]);
            assertEquals(b[1], walked.get(i++)[1]);
        }
        present.forEach(b -> assertTrue(tree.contains(b[0], b[1])));
    }

    @Test
    void replaceAnswersAsRemoveThenInsert() {
        RandomTries.run(200, draw -> replaceAnswersAsRemoveThenInsert(draw.ints(300, 0, 999), draw.anyLong()));
    }

    private static void replaceAnswersAsRemoveThenInsert(List<Integer> ops, long seed) {
        FreeBlockTree tree = new FreeBlockTree();
        TreeSet<long[]> model = new TreeSet<>(BY_SIZE_THEN_ADDRESS);
        SplittableRandom random = new SplittableRandom(seed);
        for (int op : ops) {
            long[] block = {64L * (1 + random.nextInt(40)), 0x10000L + 16L * random.nextInt(1 << 12)};
            if (op < 400 || model.isEmpty()) {
                if (model.add(block)) {
                    tree.insert(block[0], block[1]);
                }
            } else if (op < 950) {
                long[] old = model.ceiling(block);
                old = old != null ? old : model.first();
                // Small moves, which mostly keep the key's place (in place), and far ones (remove and insert).
                long[] moved = op >= 700 ? block : new long[] {
                    Math.max(16, old[0] + 16L * random.nextInt(-2, 3)), old[1] + 16L * random.nextInt(-2, 3)};
                model.remove(old);
                if (!model.add(moved)) {
                    model.add(old); // the new key is taken: leave this move out
                    continue;
                }
                assertTrue(tree.replace(old[0], old[1], moved[0], moved[1]));
                assertTrue(tree.contains(moved[0], moved[1]));
                assertEquals(Arrays.equals(old, moved), tree.contains(old[0], old[1]), "the old key left behind");
            } else {
                assertFalse(tree.replace(64L * 41, 0x10000L, 64, 0x10000L), "replaced a block never inserted");
            }
            tree.verify();
            assertEquals(model.size(), tree.count());
        }
        List<long[]> walked = new ArrayList<>();
        tree.forEach((size, address) -> walked.add(new long[] {size, address}));
        assertEquals(model.size(), walked.size());
        int i = 0;
        for (long[] b : model) {
            assertEquals(b[0], walked.get(i)[0]);
            assertEquals(b[1], walked.get(i++)[1]);
        }
    }

    @Test
    void heightStaysLogarithmicForSortedInserts() {
        RandomTries.run(5, draw -> heightStaysLogarithmicForSortedInserts(
                draw.intBetween(10_000, 100_000, Draw.edges(10_000, 100_000))));
    }

    private static void heightStaysLogarithmicForSortedInserts(int n) {
        FreeBlockTree tree = new FreeBlockTree();
        for (int i = 0; i < n; i++) {
            tree.insert(1024, 16L * i); // equal sizes in address order: the worst case for an unbalanced tree
        }
        tree.verify(); // checks every node's balance, which bounds the height by 1.44 log2(n)
        for (int i = 0; i < n; i += 2) {
            assertTrue(tree.remove(1024, 16L * i));
        }
        tree.verify();
        assertEquals(n / 2, tree.count());
        assertEquals(16L, tree.addressOf(tree.ceiling(1)));
    }
}
