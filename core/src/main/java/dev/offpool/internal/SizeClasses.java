package dev.offpool.internal;

/**
 * Maps request sizes to size classes, as pymalloc does: class {@code i} serves blocks of {@code (i + 1) * 16} bytes,
 * so a request of {@code n} bytes lands in class {@code (n - 1) >>> 4}.
 *
 * <p>Alignment needs no header tricks: pools are aligned to their size and blocks are laid out from the pool's first
 * byte, so every block of a class whose size is a multiple of {@code a} is aligned to {@code a}. A request for
 * alignment {@code a > 16} is therefore served by the smallest class that is a multiple of {@code a}; the difference
 * shows in the stats as bytes of allocated blocks.
 */
public final class SizeClasses {
    /** Granularity of block sizes and the alignment every block has. */
    public static final int QUANTUM_BYTES = 16;
    private static final int QUANTUM_SHIFT = 4;

    private final int smallMaxBytes;
    private final int count;

    /** @param smallMaxBytes the largest block size, a multiple of {@link #QUANTUM_BYTES} */
    public SizeClasses(int smallMaxBytes) {
        this.smallMaxBytes = smallMaxBytes;
        this.count = smallMaxBytes >>> QUANTUM_SHIFT;
    }

    /** {@return the number of classes} */
    public int count() {
        return count;
    }

    /** {@return the largest small request} */
    public int smallMaxBytes() {
        return smallMaxBytes;
    }

    /** {@return the block size of class {@code sizeClass}} */
    public int blockSize(int sizeClass) {
        return (sizeClass + 1) << QUANTUM_SHIFT;
    }

    /**
     * {@return the class for {@code byteSize} bytes aligned to {@code byteAlignment}, or -1 if the small tier cannot
     * serve it} Arguments are assumed valid (positive size, power-of-two alignment).
     */
    public int classFor(long byteSize, long byteAlignment) {
        long rounded = byteAlignment <= QUANTUM_BYTES ? byteSize : (byteSize + byteAlignment - 1) & -byteAlignment;
        return rounded <= smallMaxBytes ? (int) ((rounded - 1) >>> QUANTUM_SHIFT) : -1;
    }
}
