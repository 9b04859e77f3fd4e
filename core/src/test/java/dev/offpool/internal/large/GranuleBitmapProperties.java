package dev.offpool.internal.large;

import dev.offpool.testing.RandomTries;
import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The summary levels never change an answer: every search agrees with {@link BitSet} after random sets and clears. */
class GranuleBitmapProperties {
    /** Bit counts where a level fills up or one more level starts: 64 bits a word, 64 words a summary word. */
    private static final int[] LEVEL_EDGES = {64, 65, 4096, 4097, 262_144, 262_145};

    @Test
    void searchesAgreeWithABitSet() {
        RandomTries.run(200, draw -> searchesAgreeWithABitSet(draw.intBetween(1, 300_000, edges(1, 300_000)),
                draw.ints(200, 0, Integer.MAX_VALUE), draw.anyLong()));
    }

    private static void searchesAgreeWithABitSet(int bits, List<Integer> ops, long seed) {
        GranuleBitmap bitmap = new GranuleBitmap(bits);
        BitSet model = new BitSet(bits);
        SplittableRandom random = new SplittableRandom(seed);
        for (int op : ops) {
            int i = op % bits;
            if ((op & 1) == 0 || random.nextInt(4) == 0) {
                bitmap.set(i);
                model.set(i);
            } else {
                // clear a set bit near i, so clears hit something and empty words appear
                int victim = model.previousSetBit(i);
                if (victim >= 0) {
                    bitmap.clear(victim);
                    model.clear(victim);
                }
            }
            assertNull(bitmap.summaryMismatch());
            for (int q = 0; q < 8; q++) {
                int from = random.nextInt(-2, bits + 70);
                int clamped = Math.max(0, from);
                assertEquals(clamped >= bits ? -1 : model.nextSetBit(clamped), bitmap.nextSetBit(from),
                        "next from " + from);
                int expectedPrevious = from < 0 ? -1 : model.previousSetBit(Math.min(from, bits - 1));
                assertEquals(expectedPrevious, bitmap.previousSetBit(from), "previous from " + from);
            }
            assertEquals(model.cardinality(), bitmap.cardinality());
            assertEquals(model.isEmpty(), bitmap.isEmpty());
        }
        for (int i = model.nextSetBit(0); i >= 0; i = model.nextSetBit(i + 1)) {
            assertEquals(i, bitmap.nextSetBit(i));
            assertEquals(i, bitmap.previousSetBit(i));
        }
    }

    @Test
    void extremesOfALargeBitmapAreFound() {
        RandomTries.run(50, draw -> extremesOfALargeBitmapAreFound(draw.intBetween(2, 1 << 22, edges(2, 1 << 22))));
    }

    private static void extremesOfALargeBitmapAreFound(int bits) {
        GranuleBitmap bitmap = new GranuleBitmap(bits);
        assertEquals(-1, bitmap.nextSetBit(0));
        assertEquals(-1, bitmap.previousSetBit(bits - 1));
        bitmap.set(bits - 1);
        assertEquals(bits - 1, bitmap.nextSetBit(0));
        assertEquals(-1, bitmap.previousSetBit(bits - 2));
        bitmap.set(0);
        assertEquals(0, bitmap.previousSetBit(bits - 2));
        assertEquals(bits - 1, bitmap.nextSetBit(1));
        bitmap.clear(bits - 1);
        assertEquals(-1, bitmap.nextSetBit(1));
        assertNull(bitmap.summaryMismatch());
    }

    /** The range's ends and the level edges. */
    private static int[] edges(int min, int max) {
        return IntStream.concat(IntStream.of(min, max), IntStream.of(LEVEL_EDGES)).toArray();
    }
}
