package dev.offpool.reliability;

import dev.offpool.HeapCorruptionException;
import dev.offpool.InvalidFreeException;
import dev.offpool.OffPool;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.PoolStats;
import dev.offpool.internal.ArenaPageSource;
import dev.offpool.jmx.AllocatorMXBean;
import dev.offpool.jmx.OffPoolMBeans;
import dev.offpool.spi.PageSource;
import dev.offpool.spi.PageSourceException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.management.JMX;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rows of docs/RELIABILITY.md's bad-input catalogue that core's own tests ({@code BadInputTest},
 * {@code MisuseTest}) do not already prove leave the heap unchanged: each input gets its exception, its message says
 * what was wrong, and a {@link Witness} sees no change in the stats, in {@code verify()}, or in live blocks of every
 * tier.
 */
class BadInputCatalogueTest {
    private final OffPool pool = OffPool.builder().build();
    private final Witness witness = new Witness(pool);

    @AfterEach
    void closePool() {
        if (!pool.isClosed()) {
            pool.close();
        }
    }

    @Test
    void freeOrReallocateOfNullIsRejectedAndHeapUnchanged() {
        witness.rejected(NullPointerException.class, () -> pool.free(null), "segment");
        witness.rejected(NullPointerException.class, () -> pool.reallocate(null, 64), "segment");
    }

    @Test
    void reallocateOfAHeapSegmentIsRejectedAndHeapUnchanged() {
        witness.rejected(InvalidFreeException.class, () -> pool.reallocate(MemorySegment.ofArray(new long[8]), 128),
                "reallocate of a heap segment");
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 6000, 200_000, 3 << 20})
    void reallocateOfAFreedBlockIsRejectedInEveryTierAndHeapUnchanged(int size) {
        MemorySegment block = pool.allocate(size);
        pool.free(block);
        long address = block.address();
        MemorySegment stale = MemorySegment.ofAddress(address).reinterpret(size);
        InvalidFreeException e = witness.rejected(InvalidFreeException.class, () -> pool.reallocate(stale, size * 2L),
                "reallocate of 0x" + Long.toHexString(address));
        assertTrue(e.getMessage().contains("not allocated") || e.getMessage().contains("not an address"),
                e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 6000, 300_000, 3 << 20})
    void freeOfAPooledArenasSegmentIsRejectedInEveryTierAndHeapUnchanged(int size) {
        try (Arena arena = pool.newConfinedArena()) {
            arena.allocate(24); // so the segment under test is not necessarily its slab's first
            MemorySegment segment = arena.allocate(size);
            segment.fill((byte) 3);
            witness.rejected(InvalidFreeException.class, () -> pool.free(segment),
                    "bound to a scope this allocator did not give it");
            InvalidFreeException raw = witness.rejected(InvalidFreeException.class,
                    () -> pool.freeAddress(segment.address()), "0x" + Long.toHexString(segment.address()));
            assertTrue(raw.getMessage().contains("pooled Arena") || raw.getMessage().contains("bytes inside"),
                    raw.getMessage());
            witness.rejected(InvalidFreeException.class, () -> pool.reallocate(segment, 10), "scope");
            assertEquals(3, segment.get(ValueLayout.JAVA_BYTE, size - 1), "the arena's segment is untouched");
        }
    }

    @Test
    void alignmentOverOneGibibyteIsRejectedOnEveryPathAndHeapUnchanged() {
        witness.rejected(IllegalArgumentException.class, () -> pool.allocate(64, 1L << 31),
                "alignment 2147483648 is over the largest served, 1073741824 bytes");
        witness.rejected(IllegalArgumentException.class, () -> pool.allocateAddress(64, 1L << 31),
                "over the largest served");
        witness.rejected(IllegalArgumentException.class, () -> pool.allocate(0, 1L << 31),
                "over the largest served");
    }

    @Test
    void aSegmentAllocatorCallWithANegativeCountIsRejectedAndHeapUnchanged() {
        witness.rejected(IllegalArgumentException.class, () -> pool.allocate(ValueLayout.JAVA_INT, -1),
                "Negative array size");
    }

    @Test
    void closingTheGlobalAllocatorIsRefusedAndItKeepsWorking() {
        OffPool global = OffPool.global();
        MemorySegment block = global.allocate(64);
        block.fill((byte) 5);
        PoolStats before = global.stats();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, global::close);
        assertEquals("the global allocator cannot be closed", e.getMessage());
        assertFalse(global.isClosed());
        assertEquals(before.reservedBytes(), global.stats().reservedBytes());
        assertEquals(5, block.get(ValueLayout.JAVA_BYTE, 63));
        global.free(block);
    }

    @Test
    void pooledArenaMisuseGetsTheJdksExceptionsAndHeapUnchanged() throws Exception {
        Arena confined = pool.newConfinedArena();
        MemorySegment kept = confined.allocate(100);
        kept.fill((byte) 9);
        witness.rejected(IllegalArgumentException.class, () -> confined.allocate(-1),
                "The provided allocation size is negative: -1");
        witness.rejected(IllegalArgumentException.class, () -> confined.allocate(8, 3),
                "Invalid alignment constraint : 3");
        OutOfMemoryError tooBig = witness.rejected(OutOfMemoryError.class,
                () -> confined.allocate(OffPool.DEFAULT_MAX_ALLOCATION_BYTES + 1), "Unable to allocate");
        assertInstanceOf(IllegalArgumentException.class, tooBig.getCause());
        OutOfMemoryError tooAligned = witness.rejected(OutOfMemoryError.class, () -> confined.allocate(8, 1L << 40),
                "over the largest served");
        assertInstanceOf(IllegalArgumentException.class, tooAligned.getCause());
        Throwable elsewhere = CompletableFuture.supplyAsync(() -> {
            try {
                witness.rejected(WrongThreadException.class, () -> confined.allocate(16), "outside owning thread");
                witness.rejected(WrongThreadException.class, confined::close, "");
                return null;
            } catch (Throwable t) {
                return t;
            }
        }).get();
        if (elsewhere != null) {
            throw new AssertionError("from another thread", elsewhere);
        }
        assertEquals(9, kept.get(ValueLayout.JAVA_BYTE, 99), "the arena still holds its segment");
        confined.close();
        witness.rejected(IllegalStateException.class, () -> confined.allocate(16), "Already closed");
        witness.rejected(IllegalStateException.class, confined::close, "Already closed");
        witness.rejected(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_BYTE, 0), "Already closed");
    }

    @Test
    void anUninitializedAllocationOfABadSizeIsRejectedAndHeapUnchanged() {
        witness.rejected(IllegalArgumentException.class, () -> pool.allocateAddressUninitialized(0),
                "size must be positive, was 0");
        witness.rejected(IllegalArgumentException.class, () -> pool.allocateAddressUninitialized(-64),
                "size must be positive, was -64");
        witness.rejected(IllegalArgumentException.class,
                () -> pool.allocateAddressUninitialized(OffPool.DEFAULT_MAX_ALLOCATION_BYTES + 1),
                "over the largest allocation");
    }

    @ParameterizedTest
    @ValueSource(ints = {40, 6000, 200_000, 3 << 20})
    void inCheckedModeAnOverwrittenGuardIsReportedAndTheBlockAndHeapStayAsTheyWere(int size) {
        try (OffPool checked = OffPool.builder().checked(true).build()) {
            Witness watched = new Witness(checked);
            long address = checked.allocateAddress(size);
            MemorySegment.ofAddress(address).reinterpret(size).fill((byte) 6);
            for (long outside : new long[] {address + size, address - 1}) {
                PoolStats before = checked.stats();
                MemorySegment guard = MemorySegment.ofAddress(outside).reinterpret(1);
                guard.set(ValueLayout.JAVA_BYTE, 0, (byte) 0);
                String found = outside > address ? "buffer overflow" : "buffer underflow";
                List<Executable> finders = List.of(() -> checked.freeAddress(address), () -> checked.reallocate(
                        MemorySegment.ofAddress(address).reinterpret(size), size * 2L), checked::verify);
                for (Executable finder : finders) {
                    HeapCorruptionException e = assertThrows(HeapCorruptionException.class, finder);
                    assertTrue(e.getMessage().contains(found) && e.getMessage().contains("requested size: " + size),
                            e.getMessage());
                }
                guard.set(ValueLayout.JAVA_BYTE, 0, (byte) 0xFD); // repaired, the heap must be as it was
                watched.unchangedSince(before);
            }
            assertEquals(6, MemorySegment.ofAddress(address).reinterpret(size).get(ValueLayout.JAVA_BYTE, size - 1));
            checked.freeAddress(address);
            watched.rejected(InvalidFreeException.class, () -> checked.freeAddress(address),
                    "was already freed by thread");
            watched.release();
        }
    }

    @Test
    void theQuarantineNameAndDecaySettingsRejectBadValuesNamingThem() {
        for (long bad : new long[] {-1, (1L << 40) + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OffPool.builder().quarantineBytes(bad));
            assertEquals("quarantine must be 0..1099511627776 bytes, was " + bad, e.getMessage());
        }
        for (String bad : new String[] {"", "a b", "caf\u00e9", "x".repeat(OffPool.Builder.MAX_NAME_LENGTH + 1)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OffPool.builder().name(bad));
            assertEquals("name must be 1 to " + OffPool.Builder.MAX_NAME_LENGTH + " ASCII letters, digits, '.', '_' "
                    + "or '-', was \"" + bad + "\"", e.getMessage());
        }
        assertEquals("the name \"global\" is the global allocator's", assertThrows(IllegalArgumentException.class,
                () -> OffPool.builder().name(OffPool.GLOBAL_NAME)).getMessage());
        assertEquals("name", assertThrows(NullPointerException.class, () -> OffPool.builder().name(null))
                .getMessage());
        for (Duration bad : new Duration[] {Duration.ofMillis(-1), Duration.ofHours(2), null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OffPool.builder().unusedPoolDecay(bad));
            assertEquals("unused-pool decay must be from zero to PT1H, was " + bad, e.getMessage());
        }
    }

    @Test
    void anOccupancyMapWrittenToAnUnwritablePathOverJmxIsRefusedAndHeapUnchanged() throws Exception {
        try (OffPool named = OffPool.builder().name("catalogue-map").build();
             OffPoolMBeans.Registration beans = OffPoolMBeans.register(named)) {
            Witness watched = new Witness(named);
            AllocatorMXBean bean = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                    beans.allocatorBean(), AllocatorMXBean.class);
            watched.rejected(IllegalArgumentException.class,
                    () -> bean.writeOccupancyMap("/nonexistent-directory/map.html"), "cannot write");
            watched.rejected(IllegalArgumentException.class, () -> bean.writeOccupancyMap("a\0b"), "not a path");
            watched.release();
        }
    }

    @Test
    void aBuildWhoseSettingsDoNotFitIsRefusedBeforeAnyMemoryIsReserved() {
        CountingSource source = new CountingSource();
        List<Consumer<OffPool.Builder>> unfit = List.of(
                b -> b.poolSizeBytes(16384).arenaSizeBytes(16384),
                b -> b.poolSizeBytes(4096).smallMaxBytes(2048),
                b -> b.smallMaxBytes(1024).mediumMaxBytes(512),
                b -> b.largeChunkBytes(1 << 20).largeMaxBytes(2 << 20));
        List<String> reasons = List.of("must hold at least two pools", "at most a quarter of the pool size",
                "must be at least the small threshold", "must not exceed the large chunk size");
        for (int i = 0; i < unfit.size(); i++) {
            OffPool.Builder builder = OffPool.builder().pageSource(source);
            unfit.get(i).accept(builder);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
            assertTrue(e.getMessage().contains(reasons.get(i)), e.getMessage());
        }
        assertEquals(0, source.reserves.get(), "a refused build reserves nothing");
        assertThrows(NullPointerException.class, () -> OffPool.builder().pageSource(null));
    }

    @Test
    void aPageSourceThatRefusesOrMisplacesAChunkFailsTheRequestCleanlyAndHeapUnchanged() {
        CountingSource source = new CountingSource();
        try (OffPool sourced = OffPool.builder().pageSource(source).build()) {
            Witness watched = new Witness(sourced);
            int chunks = source.outstanding.get();
            source.refuse = true;
            OutOfPoolMemoryException refused = watched.rejected(OutOfPoolMemoryException.class,
                    () -> sourced.allocate(2 << 20), "page source counting could not supply");
            assertFalse(refused.limitReached());
            source.refuse = false;
            source.misalign = true;
            OutOfPoolMemoryException misplaced = watched.rejected(OutOfPoolMemoryException.class,
                    () -> sourced.allocate(2 << 20), "wrong size or alignment");
            assertFalse(misplaced.limitReached());
            assertEquals(chunks, source.outstanding.get(), "the misplaced chunk went back to the source");
            source.misalign = false;
            sourced.free(sourced.allocate(2 << 20));
            watched.release();
        }
        assertEquals(0, source.outstanding.get(), "close released every chunk");
    }

    /** A page source over JDK arenas that counts, and refuses or misaligns on demand. */
    private static final class CountingSource implements PageSource {
        private final ArenaPageSource delegate = new ArenaPageSource();
        final AtomicInteger reserves = new AtomicInteger();
        final AtomicInteger outstanding = new AtomicInteger();
        volatile boolean refuse;
        volatile boolean misalign;

        @Override
        public MemorySegment reserve(long byteSize, long byteAlignment) {
            if (refuse) {
                throw new PageSourceException("refused " + byteSize + " bytes on purpose");
            }
            reserves.incrementAndGet();
            outstanding.incrementAndGet();
            MemorySegment chunk = delegate.reserve(byteSize + 4096, byteAlignment);
            return misalign ? chunk.asSlice(16, byteSize) : chunk.asSlice(0, byteSize);
        }

        @Override
        public void release(MemorySegment chunk) {
            outstanding.decrementAndGet();
            delegate.release(MemorySegment.ofAddress(chunk.address() & -4096L));
        }

        @Override
        public boolean closesScopeOnRelease() {
            return true;
        }

        @Override
        public String name() {
            return "counting";
        }
    }
}
