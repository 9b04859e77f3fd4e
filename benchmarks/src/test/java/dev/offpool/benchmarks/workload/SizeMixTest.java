package dev.offpool.benchmarks.workload;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizeMixTest {
    private static final int DRAWS = 200_000;

    @Test
    void smallSizesFollowTheEtcValueModelsQuantilesWithinTheirClamp() {
        SplittableRandom random = new SplittableRandom(1);
        int[] sizes = new int[DRAWS];
        for (int i = 0; i < DRAWS; i++) {
            sizes[i] = SizeMix.small(random);
        }
        Arrays.sort(sizes);

        // Generalized Pareto (0, 214.476, 0.348238): median 168 B, 90th percentile 757 B, 99th 2,446 B.
        assertEquals(168, sizes[DRAWS / 2], 8);
        assertEquals(757, sizes[DRAWS * 9 / 10], 25);
        assertEquals(2446, sizes[DRAWS * 99 / 100], 150);
        // A quarter of the model lies below 64 B and is raised to it.
        assertEquals(0.247, (double) countAtMost(sizes, SizeMix.SMALL_MIN_BYTES) / DRAWS, 0.01);
        assertTrue(sizes[0] >= SizeMix.SMALL_MIN_BYTES && sizes[DRAWS - 1] <= SizeMix.SMALL_MAX_BYTES);
    }

    @Test
    void ioBuffersAreTheFiveFramingSizesEquallyLikely() {
        SplittableRandom random = new SplittableRandom(2);
        int[] counts = new int[SizeMix.IO_SIZES.length];
        for (int i = 0; i < DRAWS; i++) {
            counts[Arrays.binarySearch(SizeMix.IO_SIZES, SizeMix.io(random))]++;
        }

        assertArrayEquals(new int[] {4096, 8192, 16_384, 16_393, 16_645}, SizeMix.IO_SIZES);
        for (int count : counts) {
            assertEquals(DRAWS / 5.0, count, DRAWS / 50.0);
        }
    }

    @Test
    void bodiesAreLogUniformFrom64KibTo1MibInOneResponseOfSixteen() {
        SplittableRandom random = new SplittableRandom(3);
        int withBody = 0;
        int belowQuarterMib = 0;
        for (int i = 0; i < DRAWS; i++) {
            withBody += SizeMix.hasBody(random) ? 1 : 0;
            int body = SizeMix.body(random);
            assertTrue(body >= SizeMix.BODY_MIN_BYTES && body <= SizeMix.BODY_MAX_BYTES, "body of " + body);
            belowQuarterMib += body < 256 * 1024 ? 1 : 0;
        }

        assertEquals(DRAWS / 16.0, withBody, DRAWS / 400.0);
        // Log-uniform: 64 KiB..256 KiB is half of the range's logarithm.
        assertEquals(0.5, (double) belowQuarterMib / DRAWS, 0.01);
    }

    @Test
    void theSameSeedDrawsTheSameSizes() {
        SplittableRandom first = new SplittableRandom(9);
        SplittableRandom second = new SplittableRandom(9);
        for (int i = 0; i < 1000; i++) {
            assertEquals(SizeMix.any(first), SizeMix.any(second));
        }
    }

    private static int countAtMost(int[] sorted, int bound) {
        int count = 0;
        while (count < sorted.length && sorted[count] <= bound) {
            count++;
        }
        return count;
    }
}
