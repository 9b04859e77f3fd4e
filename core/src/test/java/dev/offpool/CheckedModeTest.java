package dev.offpool;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checked mode catches what the default mode cannot: overflows, underflows, writes and reads after free. */
class CheckedModeTest {
    private final OffPool pool = OffPool.builder().checked(true).recordStackTraces(true).quarantineBytes(1 << 20)
            .build();

    @AfterEach
    void close() {
        pool.close();
    }

    private static MemorySegment raw(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 40, 700, 6000, 200_000, 2 << 20})
    void anOverflowIsReportedOnFreeWithWhatChangedAndTheBlockStaysLive(int size) {
        long address = pool.allocateAddress(size);
        raw(address, size + 3L).set(ValueLayout.JAVA_BYTE, size + 2L, (byte) 0x41); // two bytes past the end
        HeapCorruptionException e = assertThrows(HeapCorruptionException.class, () -> pool.freeAddress(address));
        assertTrue(e.getMessage().contains("tail guard") && e.getMessage().contains("overflow")
                && e.getMessage().contains("offsets [2]") && e.getMessage().contains("41")
                && e.getMessage().contains("requested size: " + size), e.getMessage());
        assertTrue(e.getMessage().contains("allocated at:") && e.getMessage().contains(getClass().getName()),
                "the allocating stack: " + e.getMessage());
        assertThrows(HeapCorruptionException.class, pool::verify, "verify() sees it too");
        raw(address, size + 3L).set(ValueLayout.JAVA_BYTE, size + 2L, (byte) 0xFD); // repair, then free for real
        pool.freeAddress(address);
        pool.verify();
    }

    @Test
    void anUnderflowIsReportedOnFree() {
        long address = pool.allocateAddress(64);
        raw(address - 1, 1).set(ValueLayout.JAVA_BYTE, 0, (byte) 0);
        HeapCorruptionException e = assertThrows(HeapCorruptionException.class, () -> pool.freeAddress(address));
        assertTrue(e.getMessage().contains("header guard") && e.getMessage().contains("underflow"), e.getMessage());
        raw(address - 1, 1).set(ValueLayout.JAVA_BYTE, 0, (byte) 0xFD);
        pool.freeAddress(address);
    }

    @Test
    void freshBlocksReadZeroWhereZeroingIsPromisedAnd0xCDWhereItIsNot() {
        long zeroed = pool.allocateAddress(100);
        long fresh = pool.allocateAddressUninitialized(100);
        MemorySegment segment = pool.allocate(100);
        for (long i = 0; i < 100; i++) {
            assertEquals(0, raw(zeroed, 100).get(ValueLayout.JAVA_BYTE, i));
            assertEquals((byte) 0xCD, raw(fresh, 100).get(ValueLayout.JAVA_BYTE, i));
            assertEquals(0, segment.get(ValueLayout.JAVA_BYTE, i));
        }
        pool.freeAddress(zeroed);
        pool.freeAddress(fresh);
        pool.free(segment);
    }

    @Test
    void aSegmentUsedAfterItsFreeThrowsAtTheAccessAndDescribeSaysWhereItWasFreed() {
        MemorySegment segment = pool.allocate(64);
        segment.set(ValueLayout.JAVA_INT, 0, 1);
        pool.free(segment);
        assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_INT, 0));
        assertThrows(IllegalStateException.class, () -> segment.set(ValueLayout.JAVA_INT, 0, 2));
        String story = pool.describe(segment.address());
        assertTrue(story.contains("freed checked block of 64 bytes") && story.contains("freed at:")
                && story.contains("allocated at:"), story);
    }

    @Test
    void aRawPointerUsedAfterFreeReads0xDDAndAWriteAfterFreeIsReportedByVerify() {
        long address = pool.allocateAddress(48);
        pool.freeAddress(address);
        assertEquals((byte) 0xDD, raw(address, 48).get(ValueLayout.JAVA_BYTE, 0));
        raw(address, 48).set(ValueLayout.JAVA_BYTE, 10, (byte) 7);
        HeapCorruptionException e = assertThrows(HeapCorruptionException.class, pool::verify);
        assertTrue(e.getMessage().contains("write after free") && e.getMessage().contains("freed at:"),
                e.getMessage());
        raw(address, 48).set(ValueLayout.JAVA_BYTE, 10, (byte) 0xDD);
        pool.verify();
    }

    @Test
    void aDoubleFreeSaysWhereTheBlockWasFreedTheFirstTime() {
        long address = pool.allocateAddress(32);
        pool.freeAddress(address);
        InvalidFreeException e = assertThrows(InvalidFreeException.class, () -> pool.freeAddress(address));
        assertTrue(e.getMessage().contains("double free") && e.getMessage().contains("already freed by thread")
                && e.getMessage().contains("freed at:"), e.getMessage());
    }

    @Test
    void quarantineKeepsAFreedBlockFromItsNextOwnerForAWhile() {
        long first = pool.allocateAddress(64);
        pool.freeAddress(first);
        for (int i = 0; i < 100; i++) {
            long next = pool.allocateAddress(64);
            assertNotEquals(first, next, "a freed block is not handed out again at once");
            pool.freeAddress(next);
        }
    }

    @Test
    void onlyTheSegmentHandedOutFreesItsBlock() {
        MemorySegment segment = pool.allocate(100);
        assertThrows(InvalidFreeException.class, () -> pool.free(segment.asSlice(0, 99)));
        assertThrows(InvalidFreeException.class, () -> pool.free(segment.asSlice(4)));
        MemorySegment bigger = pool.reallocate(segment, 5000);
        assertEquals(0, bigger.get(ValueLayout.JAVA_BYTE, 4999));
        assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_BYTE, 0),
                "the old segment died with the move");
        pool.free(bigger);
        pool.verify();
        assertTrue(pool.stats().blocksInUse() > 0, "freed blocks sit in quarantine, out of use");
        pool.trim(); // drains the quarantine
        assertEquals(0, pool.stats().blocksInUse());
    }

    @Test
    void closingTheAllocatorKillsEveryCheckedSegment() {
        OffPool other = OffPool.builder().checked(true).build();
        MemorySegment segment = other.allocate(64);
        other.close();
        assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void theGlobalAllocatorTurnsCheckedFromASystemProperty() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-D" + OffPool.CHECKED_PROPERTY + "=true", "-cp", System.getProperty("java.class.path"),
                CheckedGlobalProgram.class.getName())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("uninitialized reads 0xCD: true") && out.contains("overflow caught: true"), out);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 8192, 2 << 20})
    void reallocateOfACheckedBlockInTheHugeTierKeepsItsBytes(long alignment) {
        // 2 MiB + the guards is a huge block; so is any block whose alignment (and so header) is over 4 KiB.
        long size = alignment == 1 ? 2 << 20 : 1826;
        MemorySegment block = pool.allocate(size, alignment);
        block.fill((byte) 0x42);
        MemorySegment moved = pool.reallocate(block, size + 100);
        byte[] kept = new byte[(int) size];
        Arrays.fill(kept, (byte) 0x42);
        assertEquals(-1, moved.asSlice(0, size).mismatch(MemorySegment.ofArray(kept)), "the old bytes are kept");
        pool.free(moved);
        pool.verify();
    }

    @Test
    void scrubOnFreeClearsABlockAsItIsFreed() {
        try (OffPool scrubbing = OffPool.builder().scrubOnFree(true).build()) {
            for (int size : new int[] {64, 5000, 300_000}) {
                long address = scrubbing.allocateAddress(size);
                raw(address, size).fill((byte) 0x5A);
                scrubbing.freeAddress(address);
                assertEquals(-1, raw(address, size).mismatch(MemorySegment.ofArray(new byte[size])),
                        "nothing of the caller's data is left after the free");
                long again = scrubbing.allocateAddressUninitialized(size);
                assertEquals(-1, raw(again, size).mismatch(MemorySegment.ofArray(new byte[size])));
                scrubbing.freeAddress(again);
            }
            scrubbing.verify();
        }
    }

    @Test
    void anUninitializedBlockIsAnOrdinaryBlockInTheDefaultMode() {
        try (OffPool plain = OffPool.builder().build()) {
            long address = plain.allocateAddressUninitialized(64);
            raw(address, 64).fill((byte) 3);
            plain.freeAddress(address);
            assertThrows(InvalidFreeException.class, () -> plain.freeAddress(address));
            assertThrows(IllegalArgumentException.class, () -> plain.allocateAddressUninitialized(0));
            plain.verify();
        }
    }
}
