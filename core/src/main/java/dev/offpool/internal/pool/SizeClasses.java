package dev.offpool.internal.pool;

import java.util.ArrayList;
import java.util.List;

/**
 * The size classes of the pooled tiers, and the pool size each one is served from.
 *
 * <pre>
 * small  (pymalloc):     16, 32, 48, ... 512            a class every 16 bytes        16 KiB pools
 * medium (jemalloc-ish): 576, 640, ... 1024, 1152, ...   8 classes per power of two   pools of at least
 *                        ... 57344, 65536                (spacing 1/8: at most 12.5%   8 blocks, a power of
 *                                                        lost to rounding up)          two from 16 KiB up
 * </pre>
 *
 * <p>Lookup is one array load for every size up to the largest class: {@code classBySize[(size - 1) >>> 4]}; the
 * array has one entry per 16 bytes (4,096 shorts for 64 KiB). Alignment needs no header tricks: pools are aligned
 * to their size and blocks are laid out from the pool's first byte, so every block of a class whose size is a
 * multiple of {@code a} is aligned to {@code a}. A request for alignment {@code a > 16} is served by the smallest
 * class at least as big that is a multiple of {@code a}.
 *
 * <p>A block's index in its pool comes without a division: {@code (offset * magic) >>> 40} with
 * {@code magic = 2^40 / blockSize + 1}, which is exact whenever {@code offset * blockSize < 2^40} (offsets stay
 * under 2 MiB and blocks under 256 KiB, so always).
 */
public final class SizeClasses {
    /** Granularity of block sizes and the alignment every block has. */
    public static final int QUANTUM_BYTES = 16;
    /** A medium class gets a pool holding at least this many blocks. */
    public static final int MIN_MEDIUM_BLOCKS_PER_POOL = 8;
    /** Shift of the block-index reciprocal. */
    static final int MAGIC_SHIFT = 40;

    private final int smallMaxBytes;
    private final int maxBytes;
    private final int smallCount;
    private final int[] blockSizes;
    private final int[] poolSizes;
    private final long[] magics;
    private final short[] classBySize;

    /**
     * @param smallMaxBytes the largest small class, a multiple of 16
     * @param maxBytes      the largest class of all (the medium tier's top), a multiple of 16, at least
     *                      {@code smallMaxBytes}
     * @param smallPoolBytes the pool size of the small classes, a power of two; medium pools are at least this
     */
    public SizeClasses(int smallMaxBytes, int maxBytes, int smallPoolBytes) {
        this.smallMaxBytes = smallMaxBytes;
        this.maxBytes = maxBytes;
        List<Integer> sizes = new ArrayList<>();
        for (int s = QUANTUM_BYTES; s <= smallMaxBytes; s += QUANTUM_BYTES) {
            sizes.add(s);
        }
        this.smallCount = sizes.size();
        for (int s = smallMaxBytes; s < maxBytes; ) {
            int step = Math.max(QUANTUM_BYTES, Integer.highestOneBit(s) >>> 3);
            s = Math.min(maxBytes, (s + step) / step * step);
            sizes.add(s);
        }
        int n = sizes.size();
        this.blockSizes = new int[n];
        this.poolSizes = new int[n];
        this.magics = new long[n];
        for (int c = 0; c < n; c++) {
            int size = sizes.get(c);
            blockSizes[c] = size;
            poolSizes[c] = c < smallCount ? smallPoolBytes
                    : Math.max(smallPoolBytes, Integer.highestOneBit(MIN_MEDIUM_BLOCKS_PER_POOL * size - 1) << 1);
            magics[c] = (1L << MAGIC_SHIFT) / size + 1;
        }
        this.classBySize = new short[maxBytes / QUANTUM_BYTES];
        int c = 0;
        for (int i = 0; i < classBySize.length; i++) {
            int size = (i + 1) * QUANTUM_BYTES;
            while (blockSizes[c] < size) {
                c++;
            }
            classBySize[i] = (short) c;
        }
    }

    /** {@return the number of classes} */
    public int count() {
        return blockSizes.length;
    }

    /** {@return the largest small request} */
    public int smallMaxBytes() {
        return smallMaxBytes;
    }

    /** {@return the largest request the pooled tiers serve} */
    public int maxBytes() {
        return maxBytes;
    }

    /** {@return the block size of class {@code sizeClass}} */
    public int blockSize(int sizeClass) {
        return blockSizes[sizeClass];
    }

    /** {@return the pool size of class {@code sizeClass}} */
    public int poolSize(int sizeClass) {
        return poolSizes[sizeClass];
    }

    /** {@return the block-index reciprocal of class {@code sizeClass}} */
    long magic(int sizeClass) {
        return magics[sizeClass];
    }

    /**
     * {@return the class for a request of {@code byteSize} bytes, or -1 if it is for a larger tier} Hot path: one
     * compare and one array load.
     *
     * @param byteSize a positive size
     */
    public int classFor(long byteSize) {
        return byteSize <= maxBytes ? classBySize[(int) ((byteSize - 1) >>> 4)] : -1;
    }

    /**
     * {@return the class for {@code byteSize} bytes aligned to {@code byteAlignment}, or -1 if no class serves it}
     *
     * @param byteSize      a positive size
     * @param byteAlignment a power of two
     */
    public int classFor(long byteSize, long byteAlignment) {
        int c = classFor(byteSize);
        if (c < 0 || byteAlignment <= QUANTUM_BYTES) {
            return c;
        }
        for (; c < blockSizes.length; c++) {
            if (blockSizes[c] % byteAlignment == 0 && byteAlignment <= poolSizes[c]) {
                return c;
            }
        }
        return -1;
    }

    /** {@return the distinct pool sizes, smallest first} */
    public int[] poolSizes() {
        return java.util.Arrays.stream(poolSizes).distinct().sorted().toArray();
    }

    /** {@return the index of {@code block} in a pool at {@code poolAddress} holding class {@code sizeClass}} */
    static int blockIndex(long offsetInPool, long magic) {
        return (int) ((offsetInPool * magic) >>> MAGIC_SHIFT);
    }
}
