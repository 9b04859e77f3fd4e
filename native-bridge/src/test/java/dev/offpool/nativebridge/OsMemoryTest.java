package dev.offpool.nativebridge;

import dev.offpool.spi.PageSourceException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OsMemoryTest {
    private static final long PAGE = OsMemory.pageSize();

    @Test
    void pageSizeIsAPowerOfTwoOfAtLeastFourKib() {
        assertTrue(PAGE >= 4096 && Long.bitCount(PAGE) == 1, "page size " + PAGE);
    }

    @Test
    void anAlignedMappingIsAlignedAndUsable() {
        long alignment = 64 * PAGE;
        long address = OsMemory.mapAligned(PAGE, alignment);
        try {
            assertEquals(0, address % alignment);
            MemorySegment page = MemorySegment.ofAddress(address).reinterpret(PAGE);
            page.set(ValueLayout.JAVA_LONG, 0, 42L);
            assertEquals(42L, page.get(ValueLayout.JAVA_LONG, 0));
        } finally {
            OsMemory.unmap(address, PAGE);
        }
    }

    /**
     * What is left mapped is exactly the aligned block: the head before it and the tail after it, which together
     * are the slack, are what gets unmapped, wherever the kernel put the over-sized mapping. (Probing the pages
     * around a real mapping cannot tell: when the tail is empty, the page after is another mapping's, and other
     * threads map into the holes.)
     */
    @Test
    void theHeadAndTailAroundAnAlignedMappingAreExactlyTheSlack() {
        long alignment = 16 * PAGE;
        long size = 3 * PAGE;
        long mapped = size + alignment - PAGE;
        for (long offset = 0; offset < alignment; offset += PAGE) {
            long start = 1000 * alignment + offset;
            long[] trim = OsMemory.trim(start, mapped, size, alignment);
            assertEquals(0, trim[0] % alignment, "aligned, from start offset " + offset);
            assertEquals(start + trim[1], trim[0], "the head ends where the block starts");
            assertTrue(trim[1] >= 0 && trim[2] >= 0, "offset " + offset);
            assertEquals(mapped, trim[1] + size + trim[2], "head, block and tail are the whole mapping");
            assertEquals(offset == 0 ? 0 : alignment - offset, trim[1]);
        }
    }

    @Test
    void unalignedArgumentsAreRejectedBeforeTheKernelSeesThem() {
        IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
                () -> OsMemory.mapAligned(PAGE + 1, PAGE));
        assertTrue(length.getMessage().contains("mmap length must be a multiple of the page size"),
                length.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OsMemory.mapAligned(0, PAGE));
        assertThrows(IllegalArgumentException.class, () -> OsMemory.mapAligned(PAGE, 3 * PAGE));
        IllegalArgumentException address = assertThrows(IllegalArgumentException.class,
                () -> OsMemory.unmap(PAGE + 8, PAGE));
        assertTrue(address.getMessage().contains("munmap address must be a multiple"), address.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OsMemory.unmap(PAGE, 0));
        assertThrows(IllegalArgumentException.class,
                () -> OsMemory.advise(MemorySegment.ofArray(new byte[(int) PAGE]), OsMemory.MADV_DONTNEED));
    }

    @Test
    void aKernelRefusalNamesTheCallItsArgumentsAndErrno() {
        MemorySegment unmapped = MemorySegment.ofAddress(PAGE).reinterpret(PAGE);
        PageSourceException e = assertThrows(PageSourceException.class,
                () -> OsMemory.advise(unmapped, OsMemory.MADV_DONTNEED));
        assertEquals("madvise(0x" + Long.toHexString(PAGE) + ", " + PAGE + ", MADV_DONTNEED) failed: errno 12 ("
                + OsMemory.errorText(12) + ")", e.getMessage());
    }

    @Test
    void errorTextComesFromStrerror() {
        assertFalse(OsMemory.errorText(12).isBlank());
        assertFalse(OsMemory.errorText(12).equals(OsMemory.errorText(22)));
    }
}
