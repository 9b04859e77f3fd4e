package dev.offpool.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The values one try of a property draws, all from one seed, so that the seed alone reproduces the try.
 *
 * <pre>{@code
 * RandomTries.run(200, draw -> {
 *     int bits = draw.intBetween(1, 300_000, Draw.edges(1, 64, 65, 300_000));
 *     List<Integer> ops = draw.ints(200, 0, Integer.MAX_VALUE);
 *     ...
 * });
 * }</pre>
 *
 * <p>Uniform draws rarely hit the boundaries where bugs live, so the {@code intBetween} overload that takes edges
 * returns one of them on one draw in {@value #EDGE_ONE_IN}. A {@code Draw} is not thread-safe: one try, one thread.
 */
public final class Draw {
    /** One edge-aware draw in this many returns an edge. */
    static final int EDGE_ONE_IN = 8;

    private final SplittableRandom random;

    /**
     * A source of draws that repeats the same values for the same seed.
     *
     * @param seed the seed; every value drawn is a function of it and of the draws before
     */
    public Draw(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /**
     * Edge values for {@link #intBetween(int, int, int[])}; reads better at the call site than an array literal.
     *
     * @param values the edge values
     * @return {@code values}
     */
    public static int[] edges(int... values) {
        return values;
    }

    /**
     * An int drawn uniformly from a closed range.
     *
     * @param min the smallest value drawn
     * @param max the largest value drawn
     * @return a value in {@code [min, max]}
     * @throws IllegalArgumentException if {@code min > max}
     */
    public int intBetween(int min, int max) {
        if (min > max) {
            throw new IllegalArgumentException("empty range [" + min + ", " + max + "]");
        }
        return (int) random.nextLong(min, (long) max + 1);
    }

    /**
     * An int from a closed range: one draw in {@value #EDGE_ONE_IN} is one of {@code edges}, the others uniform.
     *
     * @param min the smallest value drawn
     * @param max the largest value drawn
     * @param edges values in the range worth trying more often than a uniform draw would (its boundaries, word or
     *              page sizes); none is allowed
     * @return a value in {@code [min, max]}
     * @throws IllegalArgumentException if {@code min > max} or an edge lies outside {@code [min, max]}
     */
    public int intBetween(int min, int max, int[] edges) {
        for (int edge : edges) {
            if (edge < min || edge > max) {
                throw new IllegalArgumentException("edge " + edge + " outside [" + min + ", " + max + "]");
            }
        }
        if (edges.length > 0 && random.nextInt(EDGE_ONE_IN) == 0) {
            return edges[random.nextInt(edges.length)];
        }
        return intBetween(min, max);
    }

    /**
     * A long drawn uniformly from all longs, for example the seed of a property's own {@link SplittableRandom}.
     *
     * @return any long
     */
    public long anyLong() {
        return random.nextLong();
    }

    /**
     * A fair coin.
     *
     * @return true or false, each half the time
     */
    public boolean coin() {
        return random.nextBoolean();
    }

    /**
     * One of the given values, each equally likely; repeat a value to weight it.
     *
     * @param values the candidates
     * @return one of {@code values}
     * @throws IllegalArgumentException if {@code values} is empty
     */
    public int oneOf(int... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("nothing to choose from");
        }
        return values[random.nextInt(values.length)];
    }

    /**
     * One of the given values, each equally likely.
     *
     * @param values the candidates
     * @return one of {@code values}
     * @throws IllegalArgumentException if {@code values} is empty
     */
    public long oneOf(long... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("nothing to choose from");
        }
        return values[random.nextInt(values.length)];
    }

    /**
     * One element of a list, each equally likely.
     *
     * @param <T> the element type
     * @param values the candidates
     * @return one element of {@code values}
     * @throws IllegalArgumentException if {@code values} is empty
     */
    public <T> T oneOf(List<T> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("nothing to choose from");
        }
        return values.get(random.nextInt(values.size()));
    }

    /**
     * The index of a weight, chosen with probability proportional to it: {@code weightedIndex(30, 3, 1)} is 0 in 30
     * draws of 34.
     *
     * @param weights the relative weights, one per alternative
     * @return an index into {@code weights}
     * @throws IllegalArgumentException if {@code weights} is empty, or a weight is negative, or all are zero
     */
    public int weightedIndex(int... weights) {
        long total = 0;
        for (int weight : weights) {
            if (weight < 0) {
                throw new IllegalArgumentException("negative weight " + weight);
            }
            total += weight;
        }
        if (total == 0) {
            throw new IllegalArgumentException("no positive weight among " + weights.length);
        }
        long ticket = random.nextLong(total);
        for (int i = 0; ; i++) {
            ticket -= weights[i];
            if (ticket < 0) {
                return i;
            }
        }
    }

    /**
     * A list of ints whose size is drawn uniformly from {@code [0, maxSize]} (0 and {@code maxSize} also as edges)
     * and whose elements are drawn uniformly from {@code [min, max]}.
     *
     * @param maxSize the largest size drawn
     * @param min the smallest element drawn
     * @param max the largest element drawn
     * @return a new modifiable list
     * @throws IllegalArgumentException if {@code maxSize < 0} or {@code min > max}
     */
    public List<Integer> ints(int maxSize, int min, int max) {
        if (maxSize < 0) {
            throw new IllegalArgumentException("negative list size " + maxSize);
        }
        if (min > max) {
            throw new IllegalArgumentException("empty range [" + min + ", " + max + "]");
        }
        int size = intBetween(0, maxSize, edges(0, maxSize));
        List<Integer> list = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            list.add(intBetween(min, max));
        }
        return list;
    }
}
