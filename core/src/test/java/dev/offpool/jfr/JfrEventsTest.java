package dev.offpool.jfr;

import dev.offpool.InvalidFreeException;
import dev.offpool.OffPool;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.internal.DiscardingPageSource;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

import static dev.offpool.jfr.Recordings.calledFrom;
import static dev.offpool.jfr.Recordings.named;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JfrEventsTest {
    private static final long ARENA = 128 * 1024;
    private static final long LIMIT = 16L << 20;

    @TempDir
    Path dir;

    private static OffPool newPool(String name, DiscardingPageSource source) {
        return OffPool.builder().name(name).pageSource(source).arenaSizeBytes(ARENA).threadCacheBytes(0)
                .retainedUnusedPoolBytes(0).maxReservedBytes(LIMIT).build();
    }

    @Test
    void everyEventTypeIsRecordedWithItsFields() throws Exception {
        DiscardingPageSource source = new DiscardingPageSource();
        List<RecordedEvent> events;
        long arenaAddress;
        long hugeAddress;
        long doubleFreed;
        long pinned;
        try (Recording recording = Recordings.offpoolRecording(true)) {
            recording.start();
            OffPool pool = newPool("jfr-events", source);
            assertTrue(AllocationSampler.isOn(), "a recording runs: the hook goes to JFR");
            pinned = pool.allocateAddress(16);                      // maps the arena
            arenaAddress = pool.occupancy().arenas().getFirst().address();
            pool.freeAddress(pool.allocateAddress(32));             // a pool used, then discarded
            long large = pool.allocateAddress(100_000);             // maps a large chunk
            hugeAddress = pool.allocateAddress(2 << 20);            // maps a huge block
            pool.freeAddress(hugeAddress);                          // and releases it
            doubleFreed = pool.allocateAddress(48);
            pool.freeAddress(doubleFreed);
            assertThrows(InvalidFreeException.class, () -> pool.freeAddress(doubleFreed));
            MemorySegment segment = pool.allocate(64);
            assertThrows(InvalidFreeException.class, () -> pool.free(segment.asSlice(0, 8)));
            OutOfPoolMemoryException overLimit = assertThrows(OutOfPoolMemoryException.class,
                    () -> pool.allocateAddress(LIMIT));
            assertTrue(overLimit.limitReached());
            source.refuse(true);
            OutOfPoolMemoryException refused = assertThrows(OutOfPoolMemoryException.class,
                    () -> pool.allocateAddress(3 << 20));
            assertFalse(refused.limitReached());
            source.refuse(false);
            for (int i = 0; i < 2_000; i++) {
                pool.freeAddress(pool.allocateAddress(40));
            }
            // Occupancy periods pass with the 16-byte block, the 64-byte segment and the large block held.
            Recordings.await(recording, dir, "both occupancy events", so -> !named(so,
                    EventNames.SIZE_CLASS_OCCUPANCY, "jfr-events").isEmpty() && !named(so,
                    EventNames.ALLOCATOR_OCCUPANCY, "jfr-events").isEmpty());
            pool.freeAddress(large);
            pool.free(segment);
            pool.close();                                           // releases the arena and the large chunk
            events = Recordings.stopAndRead(recording, dir);
        }
        assertFalse(AllocationSampler.isOn(), "no recording runs: the hook is the empty handle again");

        List<RecordedEvent> mapped = named(events, EventNames.CHUNK_MAPPED, "jfr-events");
        RecordedEvent arena = mapped.stream().filter(e -> e.getString("kind").equals("arena")).findFirst()
                .orElseThrow(() -> new AssertionError("no arena mapped in " + mapped));
        assertEquals(arenaAddress, arena.getLong("address"));
        assertEquals(ARENA, arena.getLong("bytes"));
        assertEquals("discarding", arena.getString("pageSource"));
        assertEquals(ARENA, arena.getLong("reservedBytes"), "the first chunk: reserved is its size");
        assertTrue(calledFrom(arena, JfrEventsTest.class, "everyEventTypeIsRecordedWithItsFields"),
                "the mapping's stack trace leads back to the allocation");
        RecordedEvent huge = mapped.stream().filter(e -> e.getString("kind").equals("huge block")).findFirst()
                .orElseThrow();
        assertEquals(hugeAddress, huge.getLong("address"));
        assertEquals(2 << 20, huge.getLong("bytes"));
        assertTrue(mapped.stream().anyMatch(e -> e.getString("kind").equals("large chunk")));

        List<RecordedEvent> released = named(events, EventNames.CHUNK_RELEASED, "jfr-events");
        RecordedEvent hugeReleased = released.stream().filter(e -> e.getLong("address") == hugeAddress).findFirst()
                .orElseThrow(() -> new AssertionError("the huge block's release is missing from " + released));
        assertEquals("huge block", hugeReleased.getString("kind"));
        assertEquals(2 << 20, hugeReleased.getLong("bytes"));
        assertTrue(released.stream().anyMatch(e -> e.getLong("address") == arenaAddress
                && e.getString("kind").equals("arena")), "close released the arena");
        assertEquals(0, released.getLast().getLong("reservedBytes"), "after close nothing is reserved");

        List<RecordedEvent> discards = named(events, EventNames.PAGES_DISCARDED, "jfr-events");
        assertFalse(discards.isEmpty(), "the pool whose only block came back was discarded");
        RecordedEvent discard = discards.getFirst();
        assertEquals(16384, discard.getInt("poolSize"));
        assertEquals(1, discard.getInt("pools"));
        assertEquals(16384, discard.getLong("bytes"));
        assertEquals(arenaAddress + 16384, discard.getLong("address"), "pool 1 of the arena");

        List<RecordedEvent> invalid = named(events, EventNames.INVALID_FREE, "jfr-events");
        assertEquals(2, invalid.size(), invalid.toString());
        RecordedEvent doubleFree = invalid.getFirst();
        assertEquals("free", doubleFree.getString("operation"));
        assertEquals(doubleFreed, doubleFree.getLong("address"));
        assertEquals(-1, doubleFree.getLong("segmentBytes"));
        assertTrue(doubleFree.getString("problem").startsWith("double free of 0x"), doubleFree.getString("problem"));
        assertTrue(calledFrom(doubleFree, JfrEventsTest.class, "lambda$everyEventTypeIsRecordedWithItsFields$0"),
                "the event carries the caller's stack: " + doubleFree.getStackTrace());
        RecordedEvent slice = invalid.get(1);
        assertEquals(8, slice.getLong("segmentBytes"));
        assertTrue(slice.getString("problem").contains("not a slice of it"), slice.getString("problem"));

        List<RecordedEvent> failures = named(events, EventNames.ALLOCATION_FAILURE, "jfr-events");
        assertEquals(2, failures.size(), failures.toString());
        RecordedEvent limit = failures.getFirst();
        assertTrue(limit.getBoolean("limitReached"));
        assertEquals(LIMIT, limit.getLong("requestedBytes"));
        assertEquals(1, limit.getLong("alignment"));
        assertEquals(LIMIT, limit.getLong("reservedBytesLimit"));
        assertTrue(limit.getLong("reservedBytes") > 0);
        assertTrue(limit.getString("message").startsWith("reserved-bytes limit reached"), limit.getString("message"));
        RecordedEvent pageSource = failures.get(1);
        assertFalse(pageSource.getBoolean("limitReached"));
        assertEquals(3 << 20, pageSource.getLong("requestedBytes"));
        assertTrue(pageSource.getString("message").contains("test source refuses"), pageSource.getString("message"));

        List<RecordedEvent> samples = named(events, EventNames.ALLOCATION_SAMPLE, "jfr-events");
        assertFalse(samples.isEmpty(), "2,000 allocations with sampling on: some are sampled");
        assertTrue(samples.size() < 2_000, "throttled: " + samples.size() + " samples");
        RecordedEvent sample = samples.stream().filter(e -> e.getLong("requestedBytes") == 40).findFirst()
                .orElseThrow(() -> new AssertionError("no 40-byte allocation sampled: " + samples));
        assertTrue(sample.getLong("address") != 0);
        assertTrue(calledFrom(sample, JfrEventsTest.class, "everyEventTypeIsRecordedWithItsFields"),
                "the sample's stack trace names the allocating method");

        List<RecordedEvent> classes = named(events, EventNames.SIZE_CLASS_OCCUPANCY, "jfr-events");
        RecordedEvent class0 = classes.stream().filter(e -> e.getInt("sizeClass") == 0).findFirst()
                .orElseThrow(() -> new AssertionError("no occupancy of class 0 in " + classes.size() + " events"));
        assertEquals(16, class0.getInt("blockSize"));
        assertEquals(16384, class0.getInt("poolSize"));
        assertEquals(1, class0.getInt("pools"));
        assertEquals(1, class0.getLong("blocksInUse"), "the one 16-byte block held");
        assertEquals(1023, class0.getLong("blocksAvailable"));
        assertEquals(16, class0.getLong("bytesInUse"));
        assertEquals(1023 * 16, class0.getLong("bytesAvailable"));

        List<RecordedEvent> allocators = named(events, EventNames.ALLOCATOR_OCCUPANCY, "jfr-events");
        assertFalse(allocators.isEmpty());
        RecordedEvent whole = allocators.getLast();
        assertEquals("discarding", whole.getString("pageSource"));
        assertEquals(LIMIT, whole.getLong("reservedBytesLimit"));
        assertEquals(1, whole.getLong("arenas"));
        assertEquals(ARENA, whole.getLong("bytesInArenas"));
        assertEquals(1, whole.getLong("largeChunks"));
        assertTrue(whole.getLong("largeLiveBytes") >= 100_000);
        assertEquals(16 + 64 + whole.getLong("largeLiveBytes"), whole.getLong("bytesInUse"),
                "in use: the 16-byte block, the 64-byte segment and the large block");
        assertEquals(whole.getLong("reservedBytes") - whole.getLong("bytesInDiscardedPools"),
                whole.getLong("residentBytesAtMost"));
        assertEquals(ARENA, whole.getLong("bytesInAllocatedBlocks") + whole.getLong("bytesInCachedBlocks")
                + whole.getLong("bytesInAvailableBlocks") + whole.getLong("bytesInUnusedPools")
                + whole.getLong("bytesLostToQuantization"), "the byte accounting adds up to the arenas");
        assertEquals(0, whole.getLong("hugeBlocks"));
        assertTrue(pinned != 0);
    }

    @Test
    void aRecordingShorterThanThePeriodHoldsThePeriodicEventsOfItsChunkEnd() throws Exception {
        List<RecordedEvent> events;
        try (Recording recording = Recordings.shippedRecording();
             OffPool pool = OffPool.builder().name("jfr-short").pageSource(new DiscardingPageSource())
                     .threadCacheBytes(0).build()) {
            recording.start();
            long held = pool.allocateAddress(64);
            events = Recordings.stopAndRead(recording, dir);       // well within the shipped 5 s period
            pool.freeAddress(held);
        }
        List<RecordedEvent> allocators = named(events, EventNames.ALLOCATOR_OCCUPANCY, "jfr-short");
        assertFalse(allocators.isEmpty(), "the chunk's end emitted the allocator's occupancy");
        assertEquals(64, allocators.getLast().getLong("bytesInUse"));
        assertEquals(Long.MIN_VALUE, allocators.getLast().getLong("reservedBytesLimit"),
                "no limit: JFR's N/A, not Long.MAX_VALUE's 8.0 EB");
        assertTrue(named(events, EventNames.SIZE_CLASS_OCCUPANCY, "jfr-short").stream()
                .anyMatch(e -> e.getInt("blockSize") == 64 && e.getLong("blocksInUse") == 1));
        assertTrue(events.stream().noneMatch(e -> e.getEventType().getName().equals(EventNames.END_OF_CHUNK)),
                "the hook's own type records nothing");
    }

    @Test
    void quickDiscardsAreCountedByTheOccupancyEventNotRecordedOneByOne() throws Exception {
        List<RecordedEvent> events;
        try (Recording recording = Recordings.shippedRecording();
             OffPool pool = newPool("jfr-discards", new DiscardingPageSource())) {
            recording.start();
            long pinned = pool.allocateAddress(16);                 // keeps the arena
            for (int i = 0; i < 20; i++) {
                pool.freeAddress(pool.allocateAddress(32 + 16 * i)); // each class's pool used, then discarded
            }
            assertTrue(pool.stats().poolsDiscarded() >= 20, "pools discarded: " + pool.stats().poolsDiscarded());
            events = Recordings.stopAndRead(recording, dir);
            pool.freeAddress(pinned);
        }
        assertTrue(named(events, EventNames.PAGES_DISCARDED, "jfr-discards").isEmpty(),
                "no discard of the test page source takes the shipped threshold, 10 ms");
        long counted = named(events, EventNames.ALLOCATOR_OCCUPANCY, "jfr-discards").stream()
                .mapToLong(e -> e.getLong("poolsDiscarded")).sum();
        assertTrue(counted >= 20, "the occupancy events count the discards: " + counted);
    }

    @Test
    void allocationsAreNotSampledUnlessTheSettingsAsk() throws Exception {
        List<RecordedEvent> events;
        try (Recording recording = Recordings.offpoolRecording(false)) {
            recording.start();
            try (OffPool pool = newPool("jfr-unsampled", new DiscardingPageSource())) {
                assertTrue(AllocationSampler.isOn(), "the hook asks JFR, which says the event is off");
                for (int i = 0; i < 2_000; i++) {
                    pool.freeAddress(pool.allocateAddress(40));
                }
            }
            events = Recordings.stopAndRead(recording, dir);
        }
        assertTrue(named(events, EventNames.ALLOCATION_SAMPLE, "jfr-unsampled").isEmpty());
        assertFalse(named(events, EventNames.CHUNK_MAPPED, "jfr-unsampled").isEmpty(), "the other events are on");
        assertFalse(AllocationSampler.isOn());
    }
}
