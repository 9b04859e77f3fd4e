package dev.offpool.nativebridge;

import dev.offpool.spi.PageSourceException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MmapPageSourceTest {
    private static final long MIB = 1L << 20;
    /** Large enough that the JVM's own RSS noise (JIT, GC, class loading) is small beside it. */
    private static final long MEASURED_BYTES = 64 * MIB;
    /** RSS must move by at least this share of the bytes a test touched, discarded or released. */
    private static final double RSS_SHARE = 0.75;

    private final MmapPageSource source = new MmapPageSource(DiscardAdvice.DONTNEED);
    private final List<MemorySegment> live = new ArrayList<>();

    @AfterEach
    void releaseWhatIsLeft() {
        for (MemorySegment chunk : live) {
            if (chunk.scope().isAlive()) {
                source.release(chunk);
            }
        }
    }

    private MemorySegment reserve(long byteSize, long byteAlignment) {
        MemorySegment chunk = source.reserve(byteSize, byteAlignment);
        live.add(chunk);
        return chunk;
    }

    @ParameterizedTest
    @CsvSource({"4096, 4096", "65536, 16384", "1048576, 1048576", "3145728, 1048576", "4194304, 2097152",
            "67108864, 33554432", "64, 16",
            "12288, 1048576", "100, 65536"})
    void reserveGivesZeroedAlignedMemoryOfExactlyTheSizeAsked(long byteSize, long byteAlignment) {
        MemorySegment chunk = reserve(byteSize, byteAlignment);

        assertEquals(byteSize, chunk.byteSize());
        assertEquals(0, chunk.address() % byteAlignment, () -> "address 0x" + Long.toHexString(chunk.address()));
        assertTrue(chunk.isNative());
        for (long offset = 0; offset < byteSize; offset++) {
            assertEquals(0, chunk.get(ValueLayout.JAVA_BYTE, offset), "byte at " + offset);
        }
        chunk.fill((byte) 0x5A);
        assertEquals((byte) 0x5A, chunk.get(ValueLayout.JAVA_BYTE, byteSize - 1));
        assertThrows(IndexOutOfBoundsException.class, () -> chunk.get(ValueLayout.JAVA_BYTE, byteSize));
    }

    @Test
    void reservedPagesCostNoMemoryUntilTouched() {
        long before = ResidentSetSize.bytes();
        MemorySegment chunk = reserve(4 * MEASURED_BYTES, MIB);
        long afterReserve = ResidentSetSize.bytes();
        touchEveryPage(chunk, 0, MEASURED_BYTES);
        long afterTouch = ResidentSetSize.bytes();

        assertTrue(afterReserve - before < MEASURED_BYTES / 8,
                () -> "reserving " + 4 * MEASURED_BYTES + " bytes raised RSS by " + (afterReserve - before));
        assertTrue(afterTouch - afterReserve >= RSS_SHARE * MEASURED_BYTES,
                () -> "touching " + MEASURED_BYTES + " bytes raised RSS by only " + (afterTouch - afterReserve));
    }

    @Test
    void discardWithDontneedGivesPagesBackAndTheyReadZero() {
        MemorySegment chunk = reserve(2 * MEASURED_BYTES, MIB);
        chunk.fill((byte) 7);
        long written = ResidentSetSize.bytes();

        assertTrue(source.discard(chunk, MEASURED_BYTES, MEASURED_BYTES));
        long discarded = ResidentSetSize.bytes();

        assertTrue(written - discarded >= RSS_SHARE * MEASURED_BYTES,
                () -> "discarding " + MEASURED_BYTES + " bytes lowered RSS by only " + (written - discarded));
        for (long offset = 0; offset < MEASURED_BYTES; offset += source.pageSize()) {
            assertEquals((byte) 7, chunk.get(ValueLayout.JAVA_BYTE, offset), "kept byte at " + offset);
            assertEquals(0L, chunk.get(ValueLayout.JAVA_LONG, MEASURED_BYTES + offset),
                    "discarded long at " + (MEASURED_BYTES + offset));
        }
    }

    @Test
    void discardWithFreeHandsPagesBackAndLeavesEachPageZeroOrAsItWas() {
        MmapPageSource lazy = new MmapPageSource(DiscardAdvice.FREE);
        MemorySegment chunk = lazy.reserve(4 * MIB, MIB);
        try {
            chunk.fill((byte) 7);
            assertTrue(lazy.discard(chunk, 0, chunk.byteSize()));
            for (long offset = 0; offset < chunk.byteSize(); offset += lazy.pageSize()) {
                byte value = chunk.get(ValueLayout.JAVA_BYTE, offset);
                assertTrue(value == 0 || value == 7, "byte at " + offset + " is " + value);
            }
            chunk.fill((byte) 9);
            assertEquals((byte) 9, chunk.get(ValueLayout.JAVA_BYTE, chunk.byteSize() - 1));
        } finally {
            lazy.release(chunk);
        }
    }

    @Test
    void discardedPagesCanBeWrittenAgain() {
        MemorySegment chunk = reserve(MIB, MIB);
        chunk.fill((byte) 1);
        source.discard(chunk, 0, MIB);
        chunk.fill((byte) 2);
        assertEquals((byte) 2, chunk.get(ValueLayout.JAVA_BYTE, MIB / 2));
    }

    @Test
    void discardOfNothingIsANoOp() {
        MemorySegment chunk = reserve(MIB, MIB);
        chunk.fill((byte) 3);
        assertTrue(source.discard(chunk, source.pageSize(), 0));
        assertEquals((byte) 3, chunk.get(ValueLayout.JAVA_BYTE, source.pageSize()));
    }

    @Test
    void releaseGivesMemoryBackAndLaterAccessThrows() {
        MemorySegment chunk = reserve(MEASURED_BYTES, MIB);
        MemorySegment slice = chunk.asSlice(MIB, MIB);
        chunk.fill((byte) 7);
        long written = ResidentSetSize.bytes();

        source.release(chunk);
        long released = ResidentSetSize.bytes();

        assertTrue(written - released >= RSS_SHARE * MEASURED_BYTES,
                () -> "releasing " + MEASURED_BYTES + " bytes lowered RSS by only " + (written - released));
        assertFalse(chunk.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> chunk.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> slice.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
    }

    @Test
    void badReserveArgumentsAreRejectedWithTheValue() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> source.reserve(0, 4096));
        assertTrue(zero.getMessage().contains("must be positive, was 0"), zero.getMessage());
        IllegalArgumentException alignment = assertThrows(IllegalArgumentException.class,
                () -> source.reserve(MIB, 3000));
        assertTrue(alignment.getMessage().contains("power of two, was 3000"), alignment.getMessage());
        assertThrows(IllegalArgumentException.class, () -> source.reserve(MIB, 0));
        assertThrows(IllegalArgumentException.class, () -> source.reserve(-MIB, MIB));
    }

    @Test
    void badDiscardArgumentsAreRejectedAndThePagesKept() {
        MemorySegment chunk = reserve(MIB, MIB);
        chunk.fill((byte) 5);
        long page = source.pageSize();

        IllegalArgumentException offset = assertThrows(IllegalArgumentException.class,
                () -> source.discard(chunk, 100, page));
        assertTrue(offset.getMessage().contains("multiples of the page size"), offset.getMessage());
        assertThrows(IllegalArgumentException.class, () -> source.discard(chunk, 0, page + 1));
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                () -> source.discard(chunk, MIB - page, 2 * page));
        assertTrue(outside.getMessage().contains("outside the 1048576-byte chunk"), outside.getMessage());
        assertThrows(IllegalArgumentException.class, () -> source.discard(chunk, -page, page));
        assertThrows(IllegalArgumentException.class, () -> source.discard(chunk, 0, -page));
        assertThrows(IllegalArgumentException.class, () -> source.discard(chunk.asSlice(0, page), 0, page));

        for (long at = 0; at < MIB; at += page) {
            assertEquals((byte) 5, chunk.get(ValueLayout.JAVA_BYTE, at), "byte at " + at);
        }
    }

    @Test
    void chunksThisSourceDidNotReserveAreRejected() {
        MemorySegment chunk = reserve(MIB, MIB);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment foreign = arena.allocate(MIB, 4096);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> source.release(foreign));
            assertTrue(e.getMessage().contains("not a live chunk of this page source"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> source.discard(foreign, 0, 4096));
        }
        assertThrows(IllegalArgumentException.class, () -> source.release(MemorySegment.ofArray(new byte[64])));
        assertThrows(IllegalArgumentException.class, () -> source.release(chunk.asSlice(0, MIB / 2)));
        assertThrows(IllegalArgumentException.class,
                () -> new MmapPageSource(DiscardAdvice.DONTNEED).release(chunk));
        assertTrue(chunk.scope().isAlive(), "a rejected release must leave the chunk alone");
    }

    @Test
    void releasingTwiceOrDiscardingAfterReleaseIsRejected() {
        MemorySegment chunk = source.reserve(MIB, MIB);
        source.release(chunk);
        assertThrows(IllegalArgumentException.class, () -> source.release(chunk));
        assertThrows(IllegalArgumentException.class, () -> source.discard(chunk, 0, source.pageSize()));
    }

    @Test
    void absurdSizeFailsWithErrnoInsteadOfCrashing() {
        long absurd = 1L << 62;
        PageSourceException e = assertThrows(PageSourceException.class, () -> source.reserve(absurd, MIB));
        String message = e.getMessage();
        assertTrue(message.startsWith("mmap(NULL, " + (absurd + MIB - source.pageSize())
                + ", PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0) failed: errno 12 ("),
                message);
        assertTrue(message.endsWith("(" + OsMemory.errorText(12) + ")"), message);

        MemorySegment after = reserve(MIB, MIB);
        assertEquals(MIB, after.byteSize());
    }

    @Test
    void sizeBeyondTheAddressSpaceFailsBeforeAnyCall() {
        long page = source.pageSize();
        long huge = Long.MAX_VALUE & -page;
        PageSourceException e = assertThrows(PageSourceException.class, () -> source.reserve(huge, page));
        assertTrue(e.getMessage().contains("exceeds the address space"), e.getMessage());
    }

    @Test
    void threadsReserveDiscardAndReleaseConcurrently() throws Exception {
        int threads = 4;
        int rounds = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                byte mark = (byte) (t + 1);
                results.add(pool.submit(() -> {
                    for (int i = 0; i < rounds; i++) {
                        MemorySegment chunk = source.reserve(MIB, 64 * 1024);
                        chunk.fill(mark);
                        source.discard(chunk, 0, MIB / 2);
                        assertEquals(0, chunk.get(ValueLayout.JAVA_BYTE, 0));
                        assertEquals(mark, chunk.get(ValueLayout.JAVA_BYTE, MIB - 1));
                        source.release(chunk);
                    }
                    return null;
                }));
            }
            for (Future<?> result : results) {
                result.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void describesItselfForServiceLoaderAndLogs() {
        assertEquals("mmap", source.name());
        assertEquals(100, source.priority());
        assertEquals(OsMemory.pageSize(), source.pageSize());
        assertTrue(source.pageSize() >= 4096 && Long.bitCount(source.pageSize()) == 1);
        assertEquals("MmapPageSource[madvise=dontneed, pageSize=" + source.pageSize() + "]", source.toString());
    }

    private static void touchEveryPage(MemorySegment chunk, long offset, long byteSize) {
        for (long at = offset; at < offset + byteSize; at += OsMemory.pageSize()) {
            chunk.set(ValueLayout.JAVA_BYTE, at, (byte) 1);
        }
    }
}
