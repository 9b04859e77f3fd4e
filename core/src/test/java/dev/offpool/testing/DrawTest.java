package dev.offpool.testing;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DrawTest {

    @Test
    void sameSeedDrawsTheSameValues() {
        Draw a = new Draw(42);
        Draw b = new Draw(42);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.intBetween(-5, 1000, Draw.edges(-5, 0, 1000)), b.intBetween(-5, 1000, Draw.edges(-5, 0,
                    1000)));
            assertEquals(a.anyLong(), b.anyLong());
            assertEquals(a.ints(10, 0, 3), b.ints(10, 0, 3));
        }
    }

    @Test
    void intBetweenStaysInItsRangeAndReachesBothEnds() {
        Draw draw = new Draw(1);
        boolean sawMin = false;
        boolean sawMax = false;
        for (int i = 0; i < 1000; i++) {
            int value = draw.intBetween(3, 7);
            assertTrue(value >= 3 && value <= 7, "drew " + value);
            sawMin |= value == 3;
            sawMax |= value == 7;
        }
        assertTrue(sawMin && sawMax);
        int any = draw.intBetween(Integer.MIN_VALUE, Integer.MAX_VALUE); // the full range must not overflow
        assertTrue(any >= Integer.MIN_VALUE);
    }

    @Test
    void edgesAreDrawnAboutOneTimeInEight() {
        Draw draw = new Draw(7);
        int draws = 80_000;
        int edgeHits = 0;
        for (int i = 0; i < draws; i++) {
            int value = draw.intBetween(0, Integer.MAX_VALUE, Draw.edges(0, Integer.MAX_VALUE));
            if (value == 0 || value == Integer.MAX_VALUE) {
                edgeHits++;
            }
        }
        int expected = draws / Draw.EDGE_ONE_IN;
        assertTrue(Math.abs(edgeHits - expected) < expected / 10, edgeHits + " edges in " + draws + " draws");
    }

    @Test
    void weightedIndexFollowsTheWeights() {
        Draw draw = new Draw(3);
        int[] counts = new int[3];
        for (int i = 0; i < 34_000; i++) {
            counts[draw.weightedIndex(30, 3, 1)]++;
        }
        assertTrue(Math.abs(counts[0] - 30_000) < 1_000, "index 0 drawn " + counts[0] + " times");
        assertTrue(Math.abs(counts[1] - 3_000) < 300, "index 1 drawn " + counts[1] + " times");
        assertTrue(Math.abs(counts[2] - 1_000) < 150, "index 2 drawn " + counts[2] + " times");
        assertEquals(1, draw.weightedIndex(0, 5, 0), "a zero weight is never drawn");
    }

    @Test
    void listSizesReachZeroAndTheMaximum() {
        Draw draw = new Draw(5);
        boolean sawEmpty = false;
        boolean sawFull = false;
        for (int i = 0; i < 200; i++) {
            List<Integer> list = draw.ints(40, 10, 20);
            assertTrue(list.size() <= 40);
            list.forEach(v -> assertTrue(v >= 10 && v <= 20, "element " + v));
            sawEmpty |= list.isEmpty();
            sawFull |= list.size() == 40;
        }
        assertTrue(sawEmpty && sawFull);
    }

    @Test
    void badRangesAndWeightsAreRejectedNamingTheValue() {
        Draw draw = new Draw(0);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> draw.intBetween(5, 4)).getMessage()
                .contains("[5, 4]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> draw.intBetween(0, 9, Draw.edges(10)))
                .getMessage().contains("edge 10"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> draw.weightedIndex(1, -2)).getMessage()
                .contains("-2"));
        assertThrows(IllegalArgumentException.class, () -> draw.weightedIndex(0, 0));
        assertThrows(IllegalArgumentException.class, () -> draw.oneOf(new int[0]));
        assertThrows(IllegalArgumentException.class, () -> draw.oneOf(List.of()));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> draw.ints(-1, 0, 1)).getMessage()
                .contains("-1"));
    }
}
