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
    void alignedMappingsLeaveNoExcessMappedAroundThem() {
        long alignment = 64 * PAGE;
        long address = OsMemory.mapAligned(PAGE, alignment);
        try {
            assertEquals(0, address % alignment);
            MemorySegment page = MemorySegment.ofAddress(address).reinterpret(PAGE);
            page.set(ValueLayout.JAVA_LONG, 0, 42L);
            assertEquals(42L, page.get(ValueLayout.JAVA_LONG, 0));
            // The head and tail were unmapped, so advising the page before or after fails with ENOMEM.
            MemorySegment before = MemorySegment.ofAddress(address - PAGE).reinterpret(PAGE);
            MemorySegment after = MemorySegment.ofAddress(address + PAGE).reinterpret(PAGE);
            assertFalse(isMapped(before), "the page before the aligned mapping is still mapped");
            assertFalse(isMapped(after), "the page after the aligned mapping is still mapped");
        } finally {
            OsMemory.unmap(address, PAGE);
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

    private static boolean isMapped(MemorySegment page) {
        try {
            OsMemory.advise(page, OsMemory.MADV_DONTNEED);
            return true;
        } catch (PageSourceException e) {
            return false;
        }
    }
}
