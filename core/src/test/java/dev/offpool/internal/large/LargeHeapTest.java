package dev.offpool.internal.large;

import dev.offpool.InvalidFreeException;
import dev.offpool.internal.CountingPageSource;
import dev.offpool.internal.RegionMap;
import dev.offpool.internal.ReservedBytes;
import dev.offpool.LargeTierStats;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.spi.PageSourceException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LargeHeapTest {
    private static final long CHUNK = 64 * 1024;

    private final CountingPageSource source = new CountingPageSource();
    private ReservedBytes reserved = new ReservedBytes(Long.MAX_VALUE, source);
    private LargeHeap heap = new LargeHeap(new RegionMap(12), reserved, CHUNK, CHUNK, 1);

    @AfterEach
    void closeAndCheckEverythingWentBack() {
        heap.verify();
        heap.close();
        assertEquals(0, source.outstandingChunks());
        assertEquals(0, reserved.current());
    }

    private void useHeap(long limit, long chunkBytes, long maxBlockBytes) {
        heap.close();
        reserved = new ReservedBytes(limit, source);
        heap = new LargeHeap(new RegionMap(12), reserved, chunkBytes, maxBlockBytes, 1);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 8, 16, 32, 64, 128, 512, 1024, 4096})
    void allocationsAreZeroedAlignedAndSeparate(long alignment) {
        SplittableRandom random = new SplittableRandom(alignment);
        List<MemorySegment> blocks = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 40; i++) {
                long size = 513 + random.nextInt(6000);
                long address = heap.allocate(size, alignment);
                assertEquals(0, address % Math.max(16, alignment), "address 0x" + Long.toHexString(address));
                MemorySegment s = heap.segment(address, size);
                for (long b = 0; b < size; b++) {
                    assertEquals(0, s.get(ValueLayout.JAVA_BYTE, b), "byte " + b);
                }
                s.fill((byte) (i + 1));
                blocks.add(s);
            }
            heap.verify();
            // Free every other block, so the next round reuses dirty memory that must come back zeroed.
            for (int i = blocks.size() - 1; i >= 0; i -= 2) {
                MemorySegment s = blocks.remove(i);
                assertEquals(-1, s.mismatch(filled(s.byteSize(), s.get(ValueLayout.JAVA_BYTE, 0))));
                heap.free(s.address());
            }
            heap.verify();
        }
        blocks.forEach(s -> heap.free(s.address()));
    }

    private static MemorySegment filled(long size, byte value) {
        byte[] bytes = new byte[(int) size];
        java.util.Arrays.fill(bytes, value);
        return MemorySegment.ofArray(bytes);
    }

    @Test
    void freeingTheMiddleOfThreeBlocksLastMergesAllThreeIntoOneFreeBlock() {
        long a = heap.allocate(1000, 1); // 1008 bytes
        long b = heap.allocate(2000, 1);
        long c = heap.allocate(3000, 1); // 3008 bytes
        assertEquals(a + 1008, b);
        assertEquals(b + 2000, c);
        long d = heap.allocate(CHUNK - 1008 - 2000 - 3008, 1); // fills the chunk, so only our holes are free
        assertEquals(c + 3008, d);
        assertEquals(0, heap.stats().freeBlocks());

        heap.free(a);
        heap.free(c);
        LargeTierStats twoHoles = heap.stats();
        assertEquals(2, twoHoles.freeBlocks());
        assertEquals(3008, twoHoles.largestFreeBlock());
        assertEquals(1 - 3008.0 / (1008 + 3008), twoHoles.fragmentation(), 1e-12);

        assertEquals(2000, heap.free(b));
        LargeTierStats merged = heap.stats();
        assertEquals(1, merged.freeBlocks(), merged.toTable());
        assertEquals(1008 + 2000 + 3008, merged.largestFreeBlock());
        assertEquals(merged.largestFreeBlock(), merged.bytesInFreeBlocks());
        assertEquals(0.0, merged.fragmentation());
        heap.verify();

        assertEquals(a, heap.allocate(1008 + 2000 + 3008, 1), "the merged block serves a request of its whole size");
        heap.free(a);
        heap.free(d);
    }

    @Test
    void bestFitTakesTheSmallestHoleThatFits() {
        long[] holeSizes = {4096, 1024, 2048, 8192, 1536};
        long[] holes = new long[holeSizes.length];
        List<Long> fences = new ArrayList<>();
        for (int i = 0; i < holeSizes.length; i++) {
            holes[i] = heap.allocate(holeSizes[i], 1);
            fences.add(heap.allocate(1, 1)); // a 64-byte live block keeps the holes apart
        }
        long used = fences.getLast() + LargeHeap.MIN_BLOCK_BYTES - holes[0];
        fences.add(heap.allocate(CHUNK - used, 1)); // nothing else is free
        for (long hole : holes) {
            heap.free(hole);
        }
        assertEquals(holeSizes.length, heap.stats().freeBlocks());

        long x1500 = heap.allocate(1500, 1);
        assertEquals(holes[4], x1500, "1500 bytes go to the 1536-byte hole, not the first one that fits");
        assertEquals(1536, heap.usableSize(x1500), "a 32-byte tail is too small to split off");
        long x1024 = heap.allocate(1024, 1);
        assertEquals(holes[1], x1024, "an exact fit");
        long x2000 = heap.allocate(2000, 1);
        assertEquals(holes[2], x2000);
        long x5000 = heap.allocate(5000, 1);
        assertEquals(holes[3], x5000, "only the 8192-byte hole holds 5000 bytes");
        assertEquals(5008, heap.usableSize(x5000), "the tail is split off");
        LargeTierStats stats = heap.stats();
        assertEquals(2, stats.freeBlocks());
        assertEquals(4096 + 8192 - 5008, stats.bytesInFreeBlocks());
        long x3000 = heap.allocate(3000, 1);
        assertEquals(holes[3] + 5008, x3000, "the 3184-byte tail beats the 4096-byte hole");
        heap.verify();
        for (long x : new long[] {x1500, x1024, x2000, x5000, x3000}) {
            heap.free(x);
        }
        fences.forEach(heap::free);
    }

    @Test
    void anAlignedRequestSplitsThePaddingOffAsAFreeBlock() {
        long first = heap.allocate(1000, 1); // the chunk base, page-aligned; 1008 bytes
        assertEquals(0, first % LargeHeap.CHUNK_ALIGNMENT_BYTES);
        long aligned = heap.allocate(1000, 4096);
        assertEquals(first + 4096, aligned);
        LargeTierStats stats = heap.stats();
        assertEquals(2, stats.freeBlocks(), "the 3088-byte padding in front and the tail");
        assertEquals(CHUNK - 1008 - 1008, stats.bytesInFreeBlocks());
        heap.verify();
        heap.free(aligned);
        assertEquals(1, heap.stats().freeBlocks(), "the padding, the block and the tail merge again");

        // A gap under the minimum block is not left in front: the next aligned spot is used instead.
        heap.free(first);
        long almostPage = heap.allocate(4096 - 32, 1);
        long next = heap.allocate(600, 4096);
        assertEquals(almostPage + 8192, next, "32 bytes of padding would be a block under the minimum");
        heap.verify();
        heap.free(almostPage);
        heap.free(next);
    }

    @Test
    void aTailUnderTheMinimumBlockStaysWithTheAllocation() {
        long hole = heap.allocate(1088, 1);
        long fence = heap.allocate(1, 1);
        heap.free(hole);
        long x = heap.allocate(1040, 1);
        assertEquals(hole, x);
        assertEquals(1088, heap.usableSize(x));
        assertEquals(1088, heap.free(x));
        heap.free(fence);
    }

    @Test
    void aRequestOverTheChunkSizeGetsAChunkSizedToFit() {
        useHeap(Long.MAX_VALUE, CHUNK, 200_000);
        long big = heap.allocate(100_000, 1);
        LargeTierStats stats = heap.stats();
        assertEquals(1, stats.chunksCurrent());
        assertEquals(102_400, stats.bytesInChunks(), "rounded up to whole pages");
        assertEquals(100_000, heap.usableSize(big));
        long small = heap.allocate(2000, 1);
        assertEquals(big + 100_000, small, "the sized-to-fit chunk's tail serves later requests");
        heap.free(big);
        heap.free(small);
        assertEquals(1, heap.stats().chunksCurrent(), "one wholly free chunk is kept");
        long again = heap.allocate(200_000, 1);
        assertEquals(2, heap.stats().chunksCurrent(), "200000 bytes do not fit the kept chunk");
        heap.free(again);
        assertEquals(1, heap.stats().chunksCurrent());
    }

    @Test
    void aWhollyFreeChunkGoesBackToThePageSourceButOneIsKept() {
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            blocks.add(heap.allocate(60_000, 1)); // one per chunk
        }
        assertEquals(4, source.outstandingChunks());
        blocks.forEach(heap::free);
        LargeTierStats stats = heap.stats();
        assertEquals(1, stats.chunksCurrent());
        assertEquals(3, stats.chunksReleased());
        assertEquals(4, stats.chunksHighwater());
        assertEquals(1, source.outstandingChunks());
        assertEquals(CHUNK, reserved.current());
        int reservesBefore = source.reserves();
        long again = heap.allocate(60_000, 1);
        assertEquals(reservesBefore, source.reserves(), "the kept chunk serves the next request");
        heap.free(again);
    }

    @Test
    void ownsAnswersForEveryAddressInAChunkAndNothingElse() {
        long x = heap.allocate(1000, 1);
        assertTrue(heap.owns(x));
        assertTrue(heap.owns(x + 5));
        assertTrue(heap.owns(x + CHUNK - 1));
        assertFalse(heap.owns(x + CHUNK));
        assertFalse(heap.owns(x - 1));
        assertFalse(heap.owns(0));
        assertFalse(heap.owns(-16));
        heap.free(x);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Bad input: a precise exception, and the heap exactly as it was.
    // ---------------------------------------------------------------------------------------------------------

    private <T extends Throwable> T rejectedAndUnchanged(Class<T> type, Executable call, String messagePart,
                                                         MemorySegment witness) {
        LargeTierStats before = heap.stats();
        long reservedBefore = reserved.current();
        T thrown = assertThrows(type, call);
        assertTrue(thrown.getMessage().contains(messagePart), thrown.getMessage());
        heap.verify();
        assertEquals(before, heap.stats());
        assertEquals(reservedBefore, reserved.current());
        assertEquals(-1, witness.mismatch(filled(witness.byteSize(), (byte) 0x11)), "a live block changed");
        return thrown;
    }

    private MemorySegment witness() {
        MemorySegment s = heap.segment(heap.allocate(1000, 1), 1000);
        s.fill((byte) 0x11);
        return s;
    }

    @Test
    void freeOfAForeignAddressIsRejectedBeforeReadingIt() {
        MemorySegment live = witness();
        try (Arena jdk = Arena.ofConfined()) {
            long foreign = jdk.allocate(1000).address();
            rejectedAndUnchanged(InvalidFreeException.class, () -> heap.free(foreign),
                    "not an address this allocator handed out", live);
            assertEquals(-1, heap.usableSize(foreign));
        }
        // 0 and -16 would crash if anything were read there.
        rejectedAndUnchanged(InvalidFreeException.class, () -> heap.free(0), "not an address", live);
        rejectedAndUnchanged(InvalidFreeException.class, () -> heap.free(-16), "not an address", live);
        heap.free(live.address());
    }

    @Test
    void freeOfAnAddressInsideALiveBlockIsRejected() {
        MemorySegment live = witness();
        long a = live.address();
        InvalidFreeException e = rejectedAndUnchanged(InvalidFreeException.class, () -> heap.free(a + 16),
                "16 bytes inside the 1008-byte block", live);
        assertTrue(e.getMessage().contains(Long.toHexString(a)), e.getMessage());
        rejectedAndUnchanged(InvalidFreeException.class, () -> heap.free(a + 1), "1 bytes inside", live);
        rejectedAndUnchanged(InvalidFreeException.class, () -> heap.free(a + 1007), "bytes inside the", live);
        assertEquals(-1, heap.usableSize(a + 16));
        heap.free(a);
    }

    @Test
    void doubleFreeIsRejected() {
        MemorySegment live = witness();
        long other = heap.allocate(2000, 1);
        long fence = heap.allocate(1, 1);
        heap.free(other);
        rejectedAndUnchanged(InvalidFreeException.class, () -> heap.free(other), "double free", live);
        rejectedAndUnchanged(InvalidFreeException.class, () -> heap.free(other + 64), "inside a free", live);
        heap.free(fence);
        // The fence merged into the free block before it: its address is inside a free block now.
        rejectedAndUnchanged(InvalidFreeException.class, () -> heap.free(fence), "inside a free", live);
        rejectedAndUnchanged(InvalidFreeException.class, () -> heap.free(other), "double free", live);
        assertEquals(-1, heap.usableSize(other));
        heap.free(live.address());
    }

    @Test
    void badSizesAndAlignmentsAreRejected() {
        MemorySegment live = witness();
        rejectedAndUnchanged(IllegalArgumentException.class, () -> heap.allocate(0, 1), "size must be positive",
                live);
        rejectedAndUnchanged(IllegalArgumentException.class, () -> heap.allocate(-1, 1), "size must be positive",
                live);
        rejectedAndUnchanged(IllegalArgumentException.class, () -> heap.allocate(CHUNK + 1, 1),
                "over the largest block", live);
        rejectedAndUnchanged(IllegalArgumentException.class, () -> heap.allocate(1000, 3), "power of two", live);
        rejectedAndUnchanged(IllegalArgumentException.class, () -> heap.allocate(1000, 0), "power of two", live);
        rejectedAndUnchanged(IllegalArgumentException.class, () -> heap.allocate(1000, -4), "power of two", live);
        rejectedAndUnchanged(IllegalArgumentException.class, () -> heap.allocate(1000, 8192), "alignment 8192",
                live);
        heap.free(live.address());
    }

    @Test
    void theReservedBytesLimitFailsCleanlyAndRecoversAfterFrees() {
        useHeap(2 * CHUNK, CHUNK, CHUNK);
        MemorySegment live = witness();
        long second = heap.allocate(65_000, 1); // the first chunk cannot hold it beside the witness
        assertEquals(2 * CHUNK, reserved.current());
        OutOfPoolMemoryException e = rejectedAndUnchanged(OutOfPoolMemoryException.class,
                () -> heap.allocate(65_000, 1), "reserved-bytes limit", live);
        assertTrue(e.getMessage().contains("large chunk"), e.getMessage());
        heap.free(second); // its chunk is wholly free now, and kept
        long third = heap.allocate(65_000, 1);
        heap.free(third);
        heap.free(live.address());
    }

    @Test
    void theLimitIsSharedWithTheOtherTiers() {
        useHeap(2 * CHUNK, CHUNK, CHUNK);
        MemorySegment live = witness();
        // Another tier's 4 KiB chunk: a second large chunk would pass the limit by it.
        dev.offpool.internal.Chunk other = reserved.takeChunk(4096, 4096, "4096-byte chunk of another tier");
        rejectedAndUnchanged(OutOfPoolMemoryException.class, () -> heap.allocate(65_000, 1), "reserved-bytes limit",
                live);
        other.release();
        heap.free(heap.allocate(65_000, 1));
        heap.free(live.address());
    }

    @Test
    void aPageSourceRefusalFailsCleanly() {
        MemorySegment live = witness();
        source.refuse(true);
        OutOfPoolMemoryException e = rejectedAndUnchanged(OutOfPoolMemoryException.class,
                () -> heap.allocate(65_000, 1), "could not supply", live);
        assertInstanceOf(PageSourceException.class, e.getCause());
        source.refuse(false);
        heap.free(heap.allocate(65_000, 1));
        heap.free(live.address());
    }

    @Test
    void constructorRejectsBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> new LargeHeap(new RegionMap(12), reserved, 1000, 1000, 1));
        assertThrows(IllegalArgumentException.class, () -> new LargeHeap(new RegionMap(12), reserved, 0, 1000, 1));
        assertThrows(IllegalArgumentException.class, () -> new LargeHeap(new RegionMap(12), reserved, 2L << 30, 1000, 1));
        assertThrows(IllegalArgumentException.class, () -> new LargeHeap(new RegionMap(12), reserved, CHUNK, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new LargeHeap(new RegionMap(12), reserved, CHUNK, 2L << 30, 1));
    }

    @Test
    void closeReleasesEveryChunkAndLaterCallsFail() {
        long a = heap.allocate(60_000, 1);
        heap.allocate(60_000, 1);
        heap.close();
        assertEquals(0, source.outstandingChunks());
        assertEquals(0, reserved.current());
        assertEquals(0, heap.stats().chunksCurrent());
        assertThrows(IllegalStateException.class, () -> heap.allocate(1000, 1));
        assertThrows(InvalidFreeException.class, () -> heap.free(a));
        assertFalse(heap.owns(a));
    }

    @Test
    void twoThreadsAllocateAndFreeEachOthersBlocks() throws Exception {
        useHeap(Long.MAX_VALUE, 256 * 1024, 64 * 1024);
        ConcurrentLinkedQueue<long[]> shared = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            long seed = t;
            done.add(pool.submit(() -> {
                start.await();
                SplittableRandom random = new SplittableRandom(seed);
                List<long[]> mine = new ArrayList<>();
                for (int i = 0; i < 20_000; i++) {
                    if (mine.size() < 50 && random.nextInt(3) != 0) {
                        long size = 513 + random.nextInt(16_000);
                        long address = heap.allocate(size, 1L << random.nextInt(8));
                        long tag = random.nextLong();
                        heap.segment(address, size).set(ValueLayout.JAVA_LONG, 0, tag);
                        heap.segment(address, size).set(ValueLayout.JAVA_LONG, (size & -8L) - 8, tag);
                        mine.add(new long[] {address, size, tag});
                    } else if (!mine.isEmpty()) {
                        long[] b = mine.remove(random.nextInt(mine.size()));
                        if (random.nextBoolean()) {
                            shared.add(b); // the other thread frees it
                        } else {
                            freeChecked(b);
                        }
                    }
                    long[] theirs = shared.poll();
                    if (theirs != null) {
                        freeChecked(theirs);
                    }
                }
                mine.forEach(this::freeChecked);
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        for (long[] b; (b = shared.poll()) != null; ) {
            freeChecked(b);
        }
        heap.verify();
        LargeTierStats stats = heap.stats();
        assertEquals(0, stats.liveBlocks());
        assertEquals(1, stats.chunksCurrent(), stats.toTable());
    }

    private void freeChecked(long[] block) {
        long address = block[0];
        assertEquals(block[2], heap.segment(address, block[1]).get(ValueLayout.JAVA_LONG, 0));
        assertEquals(block[2], heap.segment(address, block[1]).get(ValueLayout.JAVA_LONG, (block[1] & -8L) - 8));
        heap.free(address);
    }

    @Test
    void freeBlocksTooSmallForAnyRequestStayOutOfTheTreeAndStillMerge() {
        heap.close();
        heap = new LargeHeap(new RegionMap(12), reserved, CHUNK, CHUNK, 513);
        long a = heap.allocate(1000, 1);
        long fence = heap.allocate(600, 1);
        heap.free(a); // a 1008-byte hole before the fence
        long b = heap.allocate(600, 1); // best fit takes the hole, leaving a 400-byte tail no request can use
        assertEquals(a, b);
        heap.verify();
        LargeTierStats withTail = heap.stats();
        // The tail is counted, though verify() checks it is not in the tree; the other free block is the chunk's rest.
        assertEquals(2, withTail.freeBlocks());
        heap.free(b); // merges with the unindexed tail back into the 1008-byte hole
        heap.verify();
        assertEquals(2, heap.stats().freeBlocks());
        assertEquals(a, heap.allocate(1000, 1), "the merged hole serves a 1000-byte request again");
        heap.free(fence);
        heap.verify();
    }
}
