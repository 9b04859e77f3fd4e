package dev.offpool.reliability;

import dev.offpool.testing.Draw;

import java.util.SplittableRandom;

/**
 * Request sizes from 1 byte to 4 MiB, skewed as real heaps are: most requests small, fewer of each larger tier.
 * Small sizes are uniform; above them sizes are log-uniform within their tier (as many between 1 and 2 KiB as between
 * 32 and 64 KiB), as buffer sizes tend to be. Tier edges come up one draw in eight within their tier, where
 * off-by-one bugs live.
 *
 * <pre>
 *   tier (default settings)   sizes              share of draws
 *   small classes             1 .. 512 B         64.6 %
 *   medium classes            513 B .. 64 KiB    32.3 %
 *   large (best fit)          64 KiB .. 1 MiB     3.2 %
 *   huge (own mapping)        1 .. 4 MiB          0.3 %   (about 1 in 310)
 * </pre>
 *
 * The large and huge shares are what bound a suite's run time: each of their requests is zeroed by the allocator
 * and written and checked whole by the suite, hundreds of kilobytes to megabytes (about 150 us for a mean large
 * block against 20 us for the average of everything else, on the 2-core build machine).
 */
final class SizeMix {
    static final long MAX_BYTES = 4L << 20;
    private static final int FRACTION_STEPS = 1 << 24;
    private static final int[] TIER_WEIGHTS = {6000, 3000, 300, 30};
    private static final long[][] TIERS = {
            {1, 512}, {513, 64 << 10}, {(64 << 10) + 1, 1 << 20}, {(1 << 20) + 1, MAX_BYTES}};
    private static final long[][] EDGES = {
            {1, 8, 15, 16, 17, 511, 512}, {513, 4096, 65535, 65536}, {65537, (1 << 20) - 1, 1 << 20},
            {(1 << 20) + 1, MAX_BYTES}};

    private SizeMix() {
    }

    /** {@return a size drawn from the mix, from the property runner's draws} */
    static long draw(Draw draw) {
        int tier = draw.weightedIndex(TIER_WEIGHTS);
        if (draw.intBetween(0, 7) == 0) {
            return EDGES[tier][draw.intBetween(0, EDGES[tier].length - 1)];
        }
        return within(tier, draw.intBetween(0, FRACTION_STEPS) / (double) FRACTION_STEPS);
    }

    /** {@return a size drawn from the mix, from a thread's own random source} */
    static long draw(SplittableRandom random) {
        int ticket = random.nextInt(TIER_WEIGHTS[0] + TIER_WEIGHTS[1] + TIER_WEIGHTS[2] + TIER_WEIGHTS[3]);
        int tier = 0;
        while (ticket >= TIER_WEIGHTS[tier]) {
            ticket -= TIER_WEIGHTS[tier++];
        }
        if (random.nextInt(8) == 0) {
            return EDGES[tier][random.nextInt(EDGES[tier].length)];
        }
        return within(tier, random.nextDouble());
    }

    /** The size at {@code fraction} (0..1) of a tier's range: linearly for the small tier, geometrically above. */
    private static long within(int tier, double fraction) {
        double min = TIERS[tier][0];
        double max = TIERS[tier][1];
        double size = tier == 0 ? min + fraction * (max - min) : min * Math.pow(max / min, fraction);
        return Math.clamp(Math.round(size), TIERS[tier][0], TIERS[tier][1]);
    }
}
