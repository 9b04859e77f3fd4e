package dev.offpool.internal.large;

/**
 * A fixed-size bitmap on the Java heap that finds the next or previous set bit in a few word reads, however far
 * away it is: above the bits sit summary levels, where bit {@code w} of level {@code k + 1} says that word {@code w}
 * of level {@code k} is non-zero, up to a top level of one word.
 *
 * <pre>
 *  level 2 (top)  [0000...0101]                  one word
 *  level 1        [..0001] [0000] [..1000] ...   bit w: level-0 word w != 0
 *  level 0        4096 words for a 4 MiB chunk of 16-byte granules
 * </pre>
 *
 * <p>{@link LargeHeap} keeps one per chunk for block starts and one for live block starts. A search climbs until a
 * level has a set bit beyond the start, then descends along first (or last) set bits: {@code O(log64 bits)} word
 * reads, three levels for a 4 MiB chunk, where a plain scan could read thousands of empty words across a large free
 * block. Not thread-safe: the owner's lock guards it.
 */
final class GranuleBitmap {
    private static final int WORD_SHIFT = 6;
    private static final int WORD_BITS = 1 << WORD_SHIFT;

    private final int bitCount;
    /** levels[0] holds the bits; levels[k + 1] bit w is set iff levels[k][w] != 0; the last level is one word. */
    private final long[][] levels;

    /** @param bitCount how many bits, at least 1 */
    GranuleBitmap(int bitCount) {
        if (bitCount <= 0) {
            throw new IllegalArgumentException("bit count must be positive, was " + bitCount);
        }
        this.bitCount = bitCount;
        int depth = 1;
        for (long words = wordsFor(bitCount); words > 1; words = wordsFor(words)) {
            depth++;
        }
        levels = new long[depth][];
        long bits = bitCount;
        for (int k = 0; k < depth; k++) {
            levels[k] = new long[(int) wordsFor(bits)];
            bits = levels[k].length;
        }
    }

    private static long wordsFor(long bits) {
        return (bits + WORD_BITS - 1) >>> WORD_SHIFT;
    }

    /** {@return the number of bits} */
    int bitCount() {
        return bitCount;
    }

    /** {@return true if bit {@code i} is set} */
    boolean get(int i) {
        return (levels[0][i >>> WORD_SHIFT] & (1L << i)) != 0;
    }

    /** Sets bit {@code i}, and the summary bits above it that were clear. */
    void set(int i) {
        for (long[] level : levels) {
            int w = i >>> WORD_SHIFT;
            boolean wasEmpty = level[w] == 0;
            level[w] |= 1L << i;
            if (!wasEmpty) {
                return;
            }
            i = w;
        }
    }

    /** Clears bit {@code i}, and the summary bits above it whose word became empty. */
    void clear(int i) {
        for (long[] level : levels) {
            int w = i >>> WORD_SHIFT;
            level[w] &= ~(1L << i);
            if (level[w] != 0) {
                return;
            }
            i = w;
        }
    }

    /** {@return the smallest set bit at or after {@code from}, or -1 if there is none} */
    int nextSetBit(int from) {
        if (from < 0) {
            from = 0;
        }
        if (from >= bitCount) {
            return -1;
        }
        int i = from;
        int k = 0;
        while (true) {
            long[] level = levels[k];
            int w = i >>> WORD_SHIFT;
            if (w >= level.length) {
                return -1;
            }
            long bits = level[w] & (-1L << i);
            if (bits != 0) {
                i = (w << WORD_SHIFT) + Long.numberOfTrailingZeros(bits);
                break;
            }
            if (k == levels.length - 1) {
                return -1;
            }
            i = w + 1; // any set bit further right shows as a summary bit after w one level up
            k++;
        }
        while (k > 0) {
            k--;
            i = (i << WORD_SHIFT) + Long.numberOfTrailingZeros(levels[k][i]);
        }
        return i;
    }

    /** {@return the largest set bit at or before {@code from}, or -1 if there is none} */
    int previousSetBit(int from) {
        if (from < 0) {
            return -1;
        }
        int i = Math.min(from, bitCount - 1);
        int k = 0;
        while (true) {
            int w = i >>> WORD_SHIFT;
            long bits = levels[k][w] & (-1L >>> (WORD_BITS - 1 - (i & (WORD_BITS - 1))));
            if (bits != 0) {
                i = (w << WORD_SHIFT) + WORD_BITS - 1 - Long.numberOfLeadingZeros(bits);
                break;
            }
            if (k == levels.length - 1 || w == 0) {
                return -1;
            }
            i = w - 1;
            k++;
        }
        while (k > 0) {
            k--;
            i = (i << WORD_SHIFT) + WORD_BITS - 1 - Long.numberOfLeadingZeros(levels[k][i]);
        }
        return i;
    }

    /** {@return the number of set bits} */
    int cardinality() {
        int n = 0;
        for (long word : levels[0]) {
            n += Long.bitCount(word);
        }
        return n;
    }

    /** {@return true if no bit is set} O(1): the top word summarises everything. */
    boolean isEmpty() {
        return levels[levels.length - 1][0] == 0;
    }

    /** {@return null if every summary bit agrees with the level below, else the first one that does not} */
    String summaryMismatch() {
        for (int k = 0; k + 1 < levels.length; k++) {
            long[] below = levels[k];
            long[] above = levels[k + 1];
            for (int w = 0; w < below.length; w++) {
                boolean summary = (above[w >>> WORD_SHIFT] & (1L << w)) != 0;
                if (summary != (below[w] != 0)) {
                    return "summary level " + (k + 1) + " bit " + w + " is " + summary + " but word " + w
                            + " of level " + k + " is " + Long.toHexString(below[w]);
                }
            }
        }
        long[] bottom = levels[0];
        int tailBits = bitCount & (WORD_BITS - 1);
        if (tailBits != 0 && (bottom[bottom.length - 1] & (-1L << tailBits)) != 0) {
            return "bits past the end (" + bitCount + ") are set";
        }
        return null;
    }

    /** {@return bytes of the Java-heap arrays, for the stats' metadata estimate} */
    long heapBytes() {
        long bytes = 16L + 16L * levels.length;
        for (long[] level : levels) {
            bytes += 8L * level.length;
        }
        return bytes;
    }
}
