package dev.offpool.reliability;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What the suites write into every block they hold, and check before they let it go: the block's 64-bit id in its
 * first and last eight bytes and a byte derived from the id everywhere else.
 *
 * <pre>
 *   0        8                                   size-8     size
 *   | id     | tag tag tag tag ... tag tag tag tag | id       |      (tag = tagByte(id), never 0)
 * </pre>
 *
 * A block of 8 to 15 bytes has the id at its start only, a smaller one the tag byte alone. Two
 * blocks handed out over the same bytes, a write that bleeds from a neighbour, or a block that is not zero when it
 * is handed out all show as a byte that differs from what is expected; the message names the byte.
 */
final class ContentTags {
    private static final long REFERENCE_BYTES = 16 * 1024;
    private static final ValueLayout.OfLong ID = ValueLayout.JAVA_LONG_UNALIGNED;
    /**
     * Runs of each byte value to compare blocks against ({@code mismatch} is vectorised, a loop over bytes is not);
     * filled in the class initialiser, so every thread sees them filled.
     */
    private static final MemorySegment[] RUNS = new MemorySegment[256];

    static {
        for (int value = 0; value < RUNS.length; value++) {
            RUNS[value] = Arena.global().allocate(REFERENCE_BYTES);
            RUNS[value].fill((byte) value);
        }
    }

    private ContentTags() {
    }

    /** {@return the body byte of the block with this id: never 0, so a zeroed block never looks tagged} */
    static byte tagByte(long id) {
        return (byte) (1 + Long.remainderUnsigned(id * 0x9E3779B97F4A7C15L, 255));
    }

    /** Writes the tag of {@code id} over the whole of {@code block}. */
    static void write(MemorySegment block, long id) {
        long size = block.byteSize();
        block.fill(tagByte(id));
        if (size >= 16) {
            block.set(ID, 0, id);
            block.set(ID, size - 8, id);
        } else if (size >= 8) {
            block.set(ID, 0, id);
        }
    }

    /**
     * Checks that {@code block} holds the tag of {@code id} as {@link #write} left it.
     *
     * @throws AssertionError naming the first byte that differs
     */
    static void check(MemorySegment block, long id, String what) {
        checkPrefix(block, id, block.byteSize(), block.byteSize(), what);
    }

    /**
     * Checks the first {@code length} bytes of {@code block} against the tag {@link #write} left on a block of
     * {@code writtenSize} bytes (what a reallocate must keep).
     *
     * @throws AssertionError naming the first byte that differs
     */
    static void checkPrefix(MemorySegment block, long id, long writtenSize, long length, String what) {
        long bodyFrom = writtenSize >= 8 ? 8 : 0;
        long bodyTo = writtenSize >= 16 ? writtenSize - 8 : writtenSize;
        for (long i = 0; i < Math.min(length, bodyFrom); i++) {
            expectByte(block, i, idByte(id, i), what);
        }
        long mismatch = mismatchRun(block, bodyFrom, Math.min(length, bodyTo), tagByte(id));
        if (mismatch >= 0) {
            throw new AssertionError(what + ": byte " + mismatch + " of " + block.byteSize() + " is "
                    + block.get(ValueLayout.JAVA_BYTE, mismatch) + ", its tag is " + tagByte(id) + " (id " + id + ")");
        }
        for (long i = bodyTo; i < Math.min(length, writtenSize); i++) {
            expectByte(block, i, idByte(id, i - bodyTo), what);
        }
    }

    /**
     * Checks the first and last eight bytes of {@code block} against its tag: cheap enough to run over every live
     * block often.
     *
     * @throws AssertionError naming the first byte that differs
     */
    static void checkEnds(MemorySegment block, long id, String what) {
        long size = block.byteSize();
        long head = Math.min(size, 16);
        checkPrefix(block, id, size, head, what);
        for (long i = Math.max(head, size - 8); i < size; i++) {
            expectByte(block, i, idByte(id, i - (size - 8)), what);
        }
    }

    /**
     * Checks that {@code [from, to)} of {@code block} reads as zero.
     *
     * @throws AssertionError naming the first byte that is not
     */
    static void checkZero(MemorySegment block, long from, long to, String what) {
        long mismatch = mismatchRun(block, from, to, (byte) 0);
        if (mismatch >= 0) {
            throw new AssertionError(what + ": byte " + mismatch + " of a fresh " + block.byteSize()
                    + "-byte block at 0x" + Long.toHexString(block.address()) + " is "
                    + block.get(ValueLayout.JAVA_BYTE, mismatch) + ", not 0");
        }
    }

    /**
     * Checks that every byte of {@code block} is {@code value}.
     *
     * @throws AssertionError naming the first byte that is not
     */
    static void checkFilled(MemorySegment block, byte value, String what) {
        long mismatch = mismatchRun(block, 0, block.byteSize(), value);
        if (mismatch >= 0) {
            throw new AssertionError(what + ": byte " + mismatch + " of " + block.byteSize() + " is "
                    + block.get(ValueLayout.JAVA_BYTE, mismatch) + ", not " + value);
        }
    }

    /**
     * Checks that an uninitialized block from an allocator that scrubs on free shows nothing a caller wrote, nor
     * anything of the allocator's own (which keeps nothing in a block): each aligned 8-byte word is zero, or
     * {@code garbage} in every byte (what a page source may leave in discarded pages).
     *
     * @param garbage the byte a discarded page may hold, or 0 for none
     * @throws AssertionError naming the first word that is neither
     */
    static void checkNoCallerData(MemorySegment block, byte garbage, String what) {
        long garbageWord = 0x0101010101010101L * (garbage & 0xFF);
        long first = (block.address() + 7 & -8L) - block.address();
        for (long at = first; at + 8 <= block.byteSize(); at += 8) {
            long word = block.get(ID, at);
            if (word != 0 && word != garbageWord) {
                throw new AssertionError(what + ": the word at byte " + at + " of " + block.byteSize() + " is 0x"
                        + Long.toHexString(word) + ", not zero");
            }
        }
    }

    /** {@return the first offset in {@code [from, to)} whose byte is not {@code value}, or -1} */
    private static long mismatchRun(MemorySegment block, long from, long to, byte value) {
        MemorySegment run = RUNS[value & 0xFF];
        for (long at = from; at < to; at += REFERENCE_BYTES) {
            long length = Math.min(REFERENCE_BYTES, to - at);
            long mismatch = MemorySegment.mismatch(block, at, at + length, run, 0, length);
            if (mismatch >= 0) {
                return at + mismatch;
            }
        }
        return -1;
    }

    /** {@return byte {@code index} of the id as {@link #write} stores it, in the platform's byte order} */
    private static byte idByte(long id, long index) {
        MemorySegment bytes = MemorySegment.ofArray(new byte[8]);
        bytes.set(ID, 0, id);
        return bytes.get(ValueLayout.JAVA_BYTE, index);
    }

    private static void expectByte(MemorySegment block, long offset, byte expected, String what) {
        byte actual = block.get(ValueLayout.JAVA_BYTE, offset);
        if (actual != expected) {
            throw new AssertionError(what + ": byte " + offset + " of " + block.byteSize() + " is " + actual
                    + ", its tag says " + expected);
        }
    }
}
