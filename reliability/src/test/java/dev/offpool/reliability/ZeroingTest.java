package dev.offpool.reliability;

import dev.offpool.OffPool;
import dev.offpool.SizeClassStats;
import dev.offpool.nativebridge.PooledMemory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Suite 5 of the reliability suite: memory is zero when it is handed out, on every path that promises it, however
 * dirty its last owner left it. Each test fills blocks with {@value #DIRTY} (CPython's "dead byte"), frees them, and
 * checks that whatever is handed out next over the same memory reads as zero: every small and medium size class, the
 * large and huge tiers, the raw and segment paths, pooled arenas, and every way reallocate grows a block. The
 * uninitialized path ({@code allocateAddressUninitialized}, which JNA's pooled memory takes) promises no zeros; there
 * the test checks what each mode does promise: 0xCD in checked mode, nothing an earlier owner wrote with
 * scrub-on-free, and in every mode that its dirty blocks never reach a path that promises zeros.
 *
 * <p>Each runs on every page source ({@link PageSources}) and in every {@link Mode}, with unused pools discarded at
 * once ({@code retainedUnusedPoolBytes(0)}), so that blocks also come from pools the source has discarded: zeroed by
 * the OS (mmap, MADV_DONTNEED), possibly not (MADV_FREE), never (JDK arenas), or filled with garbage by the source.
 */
class ZeroingTest {
    static final byte DIRTY = (byte) 0xDD;
    /** Checked mode's fill of a fresh block where zeroing is not promised (CPython's PYMEM_CLEANBYTE). */
    static final byte CHECKED_FRESH = (byte) 0xCD;
    static final long RANDOM_OPERATIONS = Long.getLong("offpool.reliability.zeroingOperations", 20_000);

    static List<Arguments> sourcesAndModes() {
        List<Arguments> all = new ArrayList<>();
        for (PageSources source : PageSources.values()) {
            for (Mode mode : Mode.values()) {
                all.add(Arguments.of(source, mode));
            }
        }
        return all;
    }

    private static OffPool pool(PageSources source, Mode mode, long threadCacheBytes) {
        return mode.apply(OffPool.builder().pageSource(source.create()).threadCacheBytes(threadCacheBytes)
                .retainedUnusedPoolBytes(0)).build();
    }

    /** Checks an uninitialized block against what {@code mode} promises for it. */
    private static void checkUninitialized(MemorySegment block, PageSources source, Mode mode, String what) {
        switch (mode) {
            case CHECKED -> ContentTags.checkFilled(block, CHECKED_FRESH, what + ": checked mode fills it 0xCD");
            case SCRUB_ON_FREE -> ContentTags.checkNoCallerData(block, source == PageSources.DIRTYING_DISCARD
                    ? DirtyingDiscardPageSource.GARBAGE : 0, what + ": freed blocks are scrubbed");
            case DEFAULT -> {
                // no promise: what the last owner left
            }
        }
    }

    private static MemorySegment raw(OffPool pool, long size, long alignment) {
        return MemorySegment.ofAddress(pool.allocateAddress(size, alignment)).reinterpret(size);
    }

    private static MemorySegment uninitialized(OffPool pool, long size) {
        return MemorySegment.ofAddress(pool.allocateAddressUninitialized(size)).reinterpret(size);
    }

    @ParameterizedTest
    @MethodSource("sourcesAndModes")
    void everySizeClassHandsOutZeroedBlocksAfterDirtyFrees(PageSources source, Mode mode) {
        for (long cacheBytes : new long[] {0, OffPool.DEFAULT_THREAD_CACHE_BYTES}) {
            try (OffPool pool = pool(source, mode, cacheBytes)) {
                List<SizeClassStats> classes = pool.stats().sizeClasses();
                for (int round = 0; round < 2; round++) {
                    for (SizeClassStats c : classes) {
                        int size = c.blockSizeBytes();
                        int count = Math.max(8, 2 * c.poolSizeBytes() / size);
                        List<MemorySegment> dirty = new ArrayList<>();
                        for (int i = 0; i < count; i++) {
                            MemorySegment block = switch (i % 3) {
                                case 0 -> pool.allocate(size);
                                case 1 -> raw(pool, size, 1);
                                default -> uninitialized(pool, size);
                            };
                            String what = "class " + c.sizeClass() + " (" + size + " B, " + source + ", " + mode
                                    + ", cache " + cacheBytes + ")";
                            if (i % 3 == 2) {
                                checkUninitialized(block, source, mode, what);
                            } else {
                                ContentTags.checkZero(block, 0, size, what);
                            }
                            block.fill(DIRTY);
                            dirty.add(block);
                        }
                        dirty.forEach(b -> pool.freeAddress(b.address()));
                        if (round == 1) {
                            pool.trim(); // unused pools discarded, arenas released: the next class starts afresh
                        }
                        // The same class again, at both ends of its size range, on both paths.
                        int smallest = c.sizeClass() == 0 ? 1 : classes.get(c.sizeClass() - 1).blockSizeBytes() + 1;
                        List<MemorySegment> again = new ArrayList<>();
                        for (int i = 0; i < count; i++) {
                            long asked = i % 3 == 0 ? smallest : size;
                            MemorySegment block = i % 2 == 0 ? pool.allocate(asked) : raw(pool, asked, 1);
                            ContentTags.checkZero(block, 0, asked, "class " + c.sizeClass() + ", " + asked
                                    + " B asked, after dirty frees (" + source + ", " + mode + ", cache " + cacheBytes
                                    + ")");
                            block.fill(DIRTY);
                            again.add(block);
                        }
                        again.forEach(b -> pool.freeAddress(b.address()));
                    }
                }
                pool.verify();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sourcesAndModes")
    void largeAndHugeBlocksAreZeroedAfterDirtyFreesSplitsAndMerges(PageSources source, Mode mode) {
        long[] sizes = {70_000, 100_000, 65_537, 300_000, 1 << 20, 900_000, (1 << 20) + 1, 3 << 20, 4 << 20};
        try (OffPool pool = pool(source, mode, OffPool.DEFAULT_THREAD_CACHE_BYTES)) {
            for (int round = 0; round < 3; round++) {
                List<MemorySegment> dirty = new ArrayList<>();
                for (long size : sizes) {
                    MemorySegment block = round == 1 ? pool.allocate(size, 4096) : pool.allocate(size);
                    ContentTags.checkZero(block, 0, size, size + " B, round " + round + " (" + source + ", " + mode
                            + ")");
                    block.fill(DIRTY);
                    dirty.add(block);
                }
                // Free every other block first, then the rest, so that freed neighbours merge.
                for (int i = 0; i < dirty.size(); i += 2) {
                    pool.free(dirty.get(i));
                }
                for (int i = 1; i < dirty.size(); i += 2) {
                    pool.free(dirty.get(i));
                }
                // Sizes that straddle the merged free space.
                for (long size : new long[] {150_000, 1_000_000, 65_600, 500_000, 2 << 20}) {
                    MemorySegment block = raw(pool, size, 16);
                    ContentTags.checkZero(block, 0, size, size + " B over merged dirty blocks (" + source + ", "
                            + mode + ")");
                    block.fill(DIRTY);
                    pool.freeAddress(block.address());
                    MemorySegment loose = uninitialized(pool, size);
                    checkUninitialized(loose, source, mode, size + " B uninitialized over merged dirty blocks");
                    loose.fill(DIRTY);
                    pool.freeAddress(loose.address());
                }
            }
            pool.verify();
        }
    }

    @ParameterizedTest
    @MethodSource("sourcesAndModes")
    void pooledArenaSegmentsAreZeroedAfterDirtyArenasClose(PageSources source, Mode mode) {
        try (OffPool pool = pool(source, mode, OffPool.DEFAULT_THREAD_CACHE_BYTES)) {
            SplittableRandom random = new SplittableRandom(12);
            for (int round = 0; round < 6; round++) {
                try (Arena arena = round % 2 == 0 ? pool.newConfinedArena() : pool.newSharedArena()) {
                    for (int i = 0; i < 400; i++) {
                        long size = i % 50 == 0 ? 300_000 : random.nextLong(1, 70_000);
                        MemorySegment segment = arena.allocate(size, i % 7 == 0 ? 64 : 1);
                        ContentTags.checkZero(segment, 0, size, "arena segment of " + size + " B, round " + round
                                + " (" + source + ", " + mode + ")");
                        segment.fill(DIRTY);
                    }
                }
                if (round == 3) {
                    pool.trim();
                }
            }
            pool.verify();
        }
    }

    @ParameterizedTest
    @MethodSource("sourcesAndModes")
    void uninitializedAndJnaBlocksKeepTheirModesPromiseAndTheirDirtNeverReachesAZeroedBlock(PageSources source,
                                                                                          Mode mode) {
        try (OffPool pool = pool(source, mode, OffPool.DEFAULT_THREAD_CACHE_BYTES)) {
            for (long size : new long[] {1, 40, 512, 4000, 65_536, 200_000, 2 << 20}) {
                for (int round = 0; round < 3; round++) {
                    List<PooledMemory> memories = new ArrayList<>();
                    List<MemorySegment> raw = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        PooledMemory memory = PooledMemory.allocate(pool, size);
                        checkUninitialized(memory.asSegment(), source, mode, "JNA pooled memory of " + size + " B");
                        memory.setMemory(0, size, DIRTY);
                        memories.add(memory);
                        MemorySegment block = uninitialized(pool, size);
                        checkUninitialized(block, source, mode, "uninitialized block of " + size + " B");
                        block.fill(DIRTY);
                        raw.add(block);
                    }
                    memories.forEach(PooledMemory::close);
                    raw.forEach(b -> pool.freeAddress(b.address()));
                    // What they dirtied goes to blocks that promise zeros next.
                    for (int i = 0; i < 20; i++) {
                        MemorySegment zeroed = i % 2 == 0 ? pool.allocate(size) : raw(pool, size, 1);
                        ContentTags.checkZero(zeroed, 0, size, size + " B after dirty uninitialized blocks ("
                                + source + ", " + mode + ")");
                        zeroed.fill(DIRTY);
                        pool.freeAddress(zeroed.address());
                    }
                }
            }
            pool.verify();
        }
    }

    @ParameterizedTest
    @MethodSource("sourcesAndModes")
    void reallocateGrowthReadsZeroPastTheOldSizeInEveryWayItGrows(PageSources source, Mode mode) {
        // Checked mode's reallocate always moves the block; the in-place cases then move too, and still zero.
        boolean inPlace = mode != Mode.CHECKED;
        try (OffPool pool = pool(source, mode, OffPool.DEFAULT_THREAD_CACHE_BYTES)) {
            // In place within a class: 40 B in the 48-byte class, whose blocks a previous owner filled.
            dirtyClass(pool, 48, 64);
            grow(pool, raw(pool, 40, 1), 48, "in place, within the class");
            // Shrunk in place, then grown back: the bytes it gave up were the caller's, dirty.
            MemorySegment block = pool.allocate(64);
            block.fill(DIRTY);
            MemorySegment shrunk = pool.reallocate(block, 50);
            assertTrue(!inPlace || block.address() == shrunk.address(), "64 -> 50 stays in the 64-byte class");
            grow(pool, shrunk, 64, "in place after a shrink");
            // A block placed by its alignment in a bigger class: its tail was a previous owner's.
            dirtyClass(pool, 256, 64);
            grow(pool, raw(pool, 100, 256), 256, "in place, a block whose class its alignment chose");
            // Moved, tier to tier, into memory previous owners filled.
            dirtyClass(pool, 5000, 16);
            grow(pool, dirtied(pool.allocate(64)), 5000, "moved, small to medium");
            grow(pool, dirtied(pool.allocate(5000)), 200_000, "moved, medium to large");
            grow(pool, dirtied(pool.allocate(200_000)), 3 << 20, "moved, large to huge");
            // Large, in place: 199,990 rounds to the same 200,000-byte block.
            MemorySegment large = dirtied(pool.allocate(200_000));
            MemorySegment largeShrunk = pool.reallocate(large, 199_990);
            assertTrue(!inPlace || large.address() == largeShrunk.address(),
                    "a large block keeps its place when it rounds");
            grow(pool, largeShrunk, 200_000, "large, in place after a shrink");
            // Huge, in place: 3 MiB shrunk to 2 MiB keeps its mapping, which regrows in place.
            MemorySegment huge = dirtied(pool.allocate(3 << 20));
            MemorySegment hugeShrunk = pool.reallocate(huge, 2 << 20);
            assertTrue(!inPlace || huge.address() == hugeShrunk.address(), "a huge block over half its mapping stays");
            grow(pool, hugeShrunk, 3 << 20, "huge, in place after a shrink");
            pool.verify();
        }
    }

    @ParameterizedTest
    @MethodSource("sourcesAndModes")
    void randomDirtyFreesNeverLeaveDirtyBytesInWhatIsHandedOutNext(PageSources source, Mode mode) {
        // The run is shared out over the combinations; checked mode, several times dearer per call, gets a tenth.
        long operations = Math.max(1, RANDOM_OPERATIONS / sourcesAndModes().size() / (mode == Mode.CHECKED ? 10 : 1));
        try (OffPool pool = mode.apply(OffPool.builder().pageSource(source.create()).arenaSizeBytes(64 << 10)
                .retainedUnusedPoolBytes(0)).build()) {
            SplittableRandom random = new SplittableRandom();
            long seed = random.nextLong();
            random = new SplittableRandom(seed);
            List<MemorySegment> live = new ArrayList<>();
            for (long op = 0; op < operations; op++) {
                int choice = random.nextInt(100);
                String context = " (" + source + ", " + mode + ", seed 0x" + Long.toHexString(seed) + ", op " + op
                        + ")";
                if (choice < 50 || live.isEmpty()) {
                    long size = SizeMix.draw(random);
                    long alignment = 1L << random.nextInt(13);
                    int path = random.nextInt(5);
                    MemorySegment block = path < 2 ? pool.allocate(size, alignment)
                            : path < 4 ? raw(pool, size, alignment) : uninitialized(pool, size);
                    if (path < 4) {
                        ContentTags.checkZero(block, 0, size, "fresh " + size + " B" + context);
                    } else {
                        checkUninitialized(block, source, mode, "uninitialized " + size + " B" + context);
                    }
                    block.fill(DIRTY);
                    live.add(block);
                } else if (choice < 90) {
                    int i = random.nextInt(live.size());
                    pool.freeAddress(live.get(i).address());
                    live.set(i, live.getLast());
                    live.removeLast();
                } else if (choice < 99) {
                    int i = random.nextInt(live.size());
                    MemorySegment old = live.get(i);
                    long quarter = old.byteSize() / 4;
                    long newSize = random.nextBoolean() ? SizeMix.draw(random)
                            : Math.max(1, old.byteSize() + random.nextLong(-quarter, quarter + 1));
                    MemorySegment grown = pool.reallocate(MemorySegment.ofAddress(old.address())
                            .reinterpret(old.byteSize()), newSize);
                    ContentTags.checkZero(grown, Math.min(newSize, old.byteSize()), newSize,
                            "reallocate " + old.byteSize() + " -> " + newSize + context);
                    grown.fill(DIRTY);
                    live.set(i, grown);
                } else {
                    pool.trim();
                }
            }
            live.forEach(b -> pool.freeAddress(b.address()));
            pool.verify();
        }
    }

    /** Fills blocks of {@code size} and frees them, so the next blocks of its class come from dirty memory. */
    private static void dirtyClass(OffPool pool, long size, int count) {
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            blocks.add(dirtied(raw(pool, size, 1)).address());
        }
        blocks.forEach(pool::freeAddress);
    }

    private static MemorySegment dirtied(MemorySegment block) {
        block.fill(DIRTY);
        return block;
    }

    /** Reallocates {@code block} to {@code newSize} and checks that the bytes past its old size read as zero. */
    private static void grow(OffPool pool, MemorySegment block, long newSize, String how) {
        long old = block.byteSize();
        MemorySegment grown = pool.reallocate(block, newSize);
        assertEquals(newSize, grown.byteSize());
        assertTrue(grown.byteSize() > old);
        ContentTags.checkZero(grown, old, newSize, "reallocate " + old + " -> " + newSize + ", " + how);
        pool.free(grown);
    }
}
