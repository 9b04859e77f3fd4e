package dev.offpool.reliability;

import dev.offpool.HeapCorruptionException;
import dev.offpool.InvalidFreeException;
import dev.offpool.OffPool;
import dev.offpool.PoolStats;
import dev.offpool.testing.Draw;
import dev.offpool.testing.StateMachine;
import dev.offpool.testing.Step;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Suite 1 of the reliability suite: random operations over every tier against a model, on the project's seeded
 * runner (a failure prints its seed and the command that replays it, with the failing steps shrunk).
 *
 * <p>Each try builds an allocator with drawn settings (page source, arena, pool and cache sizes, tier bounds,
 * scrub-on-free) and takes random steps: allocations of 1 byte to 4 MiB ({@link SizeMix}) at drawn alignments on the
 * raw, uninitialized and segment paths, frees (through either path), reallocations across tiers, pooled arenas
 * opened, filled and closed, {@code trim()}, and bad calls of every kind the API rejects. The model knows every block
 * it holds and checks:
 * <ul>
 *   <li>every block handed out is aligned, exactly the size asked for, overlaps no live block or arena segment, and
 *       reads as zero (an uninitialized one: 0xCD in checked mode; with scrub-on-free, nothing an earlier owner
 *       wrote);</li>
 *   <li>every block keeps its content tag ({@link ContentTags}) until it is freed or reallocated, and a reallocate
 *       keeps the old bytes and zeroes the rest;</li>
 *   <li>every bad call throws its exception, whose message names what was wrong, and leaves {@code stats()} exactly
 *       as it was;</li>
 *   <li>every {@value #CHECK_EVERY_STEPS} steps, {@code verify()} passes, the live-block counts of the stats match the
 *       model, the byte accounting adds up, and every live block's ends still hold their tag;</li>
 *   <li>at the end of a try, every block still holds its whole tag, and after freeing them all the stats show no
 *       live block.</li>
 * </ul>
 * A second property runs the same in checked mode, where a segment must die with its free and an overwritten guard
 * must be reported by free and reallocate and leave the block live.
 *
 * <p>The number of steps is {@code -Doffpool.reliability.randomOperations} (the default build runs 10^5; the stress
 * profile 10^7), a tenth of that in checked mode, in tries of at most {@value #MAX_STEPS_PER_TRY} steps.
 */
class RandomOperationsProperties {
    static final long OPERATIONS = Long.getLong("offpool.reliability.randomOperations", 100_000);
    /** Checked mode costs about five times as much per step (a shared arena per segment, guards, quarantine). */
    static final long CHECKED_OPERATIONS = OPERATIONS / 10;
    static final int MAX_STEPS_PER_TRY = 20_000;
    static final int CHECK_EVERY_STEPS = 500;
    /** Allocations stop while the model holds this many blocks or bytes, so that frees catch up. */
    static final int MAX_LIVE_BLOCKS = 3000;
    static final long MAX_LIVE_BYTES = 128L << 20;
    static final int MAX_OPEN_ARENAS = 4;
    private static final long[] ALIGNMENTS = {1, 1, 1, 1, 1, 1, 8, 16, 32, 64, 128, 256, 4096, 4096, 65536, 1L << 21};
    /**
     * Checked mode puts a guard as long as the alignment in front of each block and checks it byte by byte, so a
     * 2 MiB alignment costs milliseconds per free there: the largest alignment is drawn half as often (1 in 32).
     */
    private static final long[] CHECKED_ALIGNMENTS = {1, 1, 1, 1, 1, 1, 8, 16, 32, 64, 128, 256, 4096, 4096, 65536,
            1, 1, 1, 1, 1, 1, 8, 16, 32, 64, 128, 256, 4096, 4096, 65536, 32, 1L << 21};
    /** What checked mode fills a fresh block with where zeroing is not promised (CPython's PYMEM_CLEANBYTE). */
    static final byte FRESH_IN_CHECKED_MODE = (byte) 0xCD;
    /** Memory that is certainly not the allocator's, for frees of foreign addresses. */
    private static final MemorySegment FOREIGN = Arena.global().allocate(4096, 16);

    /** What every try did, over the whole run, for the figures printed at the end. */
    static final Map<String, LongAdder> TOTALS = new TreeMap<>();

    /** How a block was allocated: {@code allocateAddress}, {@code allocateAddressUninitialized}, {@code allocate}. */
    enum Path { RAW, RAW_UNINITIALIZED, SEGMENT }

    /** A live block (or pooled-arena segment) as the model holds it. */
    static final class Block {
        final long address;
        final long size;
        final Path path;
        /** The segment allocate returned, or for the raw path a global-scope view of the block. */
        final MemorySegment segment;
        final long id;

        Block(long address, long size, Path path, MemorySegment segment, long id) {
            this.address = address;
            this.size = size;
            this.path = path;
            this.segment = segment;
            this.id = id;
        }

        /** A global-scope segment over the block, which free and reallocate accept as the block itself. */
        MemorySegment globalView() {
            return MemorySegment.ofAddress(address).reinterpret(size);
        }

        @Override
        public String toString() {
            return size + "-byte " + path.name().toLowerCase() + " block #" + id + " at 0x" + Long.toHexString(address);
        }
    }

    /** A pooled arena the model holds open, with the segments it cut. */
    record OpenArena(Arena arena, boolean shared, List<Block> segments) {
    }

    /** The allocator under test, what it should hold, and what the try has done. */
    static final class Model {
        final PageSources source;
        final String settings;
        final OffPool pool;
        final long maxAllocationBytes;
        /** Checked mode: guards, quarantine, reallocate always moves, a segment dies with its free. */
        final boolean checked;
        final boolean scrubOnFree;
        final List<Block> live = new ArrayList<>();
        /** Every live block and arena segment by start address, to find overlaps. */
        final TreeMap<Long, Block> byAddress = new TreeMap<>();
        final List<OpenArena> arenas = new ArrayList<>();
        /** The last blocks freed, for double frees; a ring. */
        final Block[] recentlyFreed = new Block[16];
        int freedCount;
        Arena lastClosedArena;
        long liveBytes;
        long nextId = 1;
        long steps;
        final Map<String, Long> counts = new TreeMap<>();

        Model(Draw draw, boolean checked) {
            this.checked = checked;
            source = draw.oneOf(List.of(PageSources.values()));
            long arenaBytes = draw.oneOf(64L << 10, 256L << 10, 1L << 20);
            int poolBytes = draw.oneOf(4096, 16384);
            int smallMax = draw.oneOf(256, 512, 1024);
            int mediumMax = draw.oneOf(smallMax, 64 << 10, OffPool.Builder.MAX_MEDIUM_MAX_BYTES);
            long cacheBytes = draw.oneOf(0, 4096, OffPool.DEFAULT_THREAD_CACHE_BYTES);
            long retained = draw.oneOf(0, OffPool.DEFAULT_ARENA_SIZE_BYTES);
            boolean smallLargeTier = draw.coin();
            maxAllocationBytes = draw.coin() ? OffPool.DEFAULT_MAX_ALLOCATION_BYTES : 2 * SizeMix.MAX_BYTES;
            scrubOnFree = !checked && draw.coin();
            long quarantine = draw.oneOf(0, 64 << 10, OffPool.DEFAULT_QUARANTINE_BYTES);
            settings = String.format("%s page source, %d KiB arenas, %d KiB pools, small to %d B, medium to %d B, "
                            + "cache %d B, retained %d B, large to %d KiB, max allocation %d%s%s", source,
                    arenaBytes >> 10, poolBytes >> 10, smallMax, mediumMax, cacheBytes, retained,
                    smallLargeTier ? 128 : 1024, maxAllocationBytes, checked ? ", checked (quarantine " + quarantine
                            + " B)" : "", scrubOnFree ? ", scrub on free" : "");
            pool = OffPool.builder().pageSource(source.create()).arenaSizeBytes(arenaBytes).poolSizeBytes(poolBytes)
                    .smallMaxBytes(smallMax).mediumMaxBytes(mediumMax).threadCacheBytes(cacheBytes)
                    .retainedUnusedPoolBytes(retained)
                    .largeMaxBytes(smallLargeTier ? 128 << 10 : 1 << 20)
                    .largeChunkBytes(smallLargeTier ? 512 << 10 : 4 << 20)
                    .maxAllocationBytes(maxAllocationBytes)
                    .checked(checked).quarantineBytes(quarantine).scrubOnFree(scrubOnFree)
                    .build();
        }

        boolean mayAllocate() {
            return live.size() < MAX_LIVE_BLOCKS && liveBytes < MAX_LIVE_BYTES;
        }

        void count(String what) {
            counts.merge(what, 1L, Long::sum);
        }

        // ---- the steps ------------------------------------------------------------------------------------------

        void allocate(long size, long alignment, Path path) {
            MemorySegment segment = switch (path) {
                case RAW -> MemorySegment.ofAddress(pool.allocateAddress(size, alignment)).reinterpret(size);
                case RAW_UNINITIALIZED -> MemorySegment.ofAddress(pool.allocateAddressUninitialized(size))
                        .reinterpret(size);
                case SEGMENT -> pool.allocate(size, alignment);
            };
            assertEquals(size, segment.byteSize(), "a segment is exactly the size asked for");
            Block block = handedOut(segment, alignment, path, path.name().toLowerCase() + " allocate " + size
                    + " align " + alignment);
            live.add(block);
            liveBytes += size;
            count("allocate " + path.name().toLowerCase());
        }

        /** Checks a fresh block (alignment, zero, no overlap), tags it and records it. */
        private Block handedOut(MemorySegment segment, long alignment, Path path, String call) {
            long address = segment.address();
            assertTrue(address != 0 && address % Math.max(16, alignment) == 0,
                    () -> call + " returned 0x" + Long.toHexString(address));
            if (path != Path.RAW_UNINITIALIZED) {
                ContentTags.checkZero(segment, 0, segment.byteSize(), call);
            } else if (checked) {
                ContentTags.checkFilled(segment, FRESH_IN_CHECKED_MODE, call + " (checked mode fills it)");
            } else if (scrubOnFree) {
                // Freed blocks are scrubbed, so no earlier owner's bytes may show: every word is zero, or what this
                // page source leaves in the pools it discards.
                ContentTags.checkNoCallerData(segment, source == PageSources.DIRTYING_DISCARD
                        ? DirtyingDiscardPageSource.GARBAGE : 0, call + " with scrub on free");
            }
            Block block = new Block(address, segment.byteSize(), path, segment, nextId++);
            claimRange(block, call);
            ContentTags.write(segment, block.id);
            return block;
        }

        private void claimRange(Block block, String call) {
            Map.Entry<Long, Block> below = byAddress.floorEntry(block.address);
            Map.Entry<Long, Block> above = byAddress.ceilingEntry(block.address);
            if (below != null && below.getKey() + below.getValue().size > block.address) {
                throw new AssertionError(call + " handed out " + block + ", which overlaps live " + below.getValue());
            }
            if (above != null && above.getKey() < block.address + block.size) {
                throw new AssertionError(call + " handed out " + block + ", which overlaps live " + above.getValue());
            }
            byAddress.put(block.address, block);
        }

        void free(int index, boolean crossPath) {
            Block block = removeLive(index);
            ContentTags.check(block.segment, block.id, "free of " + block);
            if ((block.path != Path.SEGMENT) != crossPath) {
                pool.freeAddress(block.address);
            } else {
                pool.free(crossPath ? block.globalView() : block.segment);
            }
            if (checked && block.path == Path.SEGMENT) {
                assertThrows(IllegalStateException.class, () -> block.segment.get(ValueLayout.JAVA_BYTE, 0),
                        "in checked mode a segment dies with its block's free");
            }
            remember(block);
            count("free");
        }

        void freeMany(int first, int count) {
            for (int i = 0; i < count && !live.isEmpty(); i++) {
                free(Math.floorMod(first + i * 7919, live.size()), false);
            }
        }

        void reallocate(int index, long newSize, boolean viaGlobalView) {
            Block block = removeLive(index);
            String call = "reallocate of " + block + " to " + newSize;
            ContentTags.check(block.segment, block.id, call);
            MemorySegment argument = block.path == Path.SEGMENT && !viaGlobalView ? block.segment
                    : block.globalView();
            MemorySegment moved = pool.reallocate(argument, newSize);
            assertEquals(newSize, moved.byteSize(), call);
            long kept = Math.min(block.size, newSize);
            ContentTags.checkPrefix(moved, block.id, block.size, kept, call + " (kept bytes)");
            ContentTags.checkZero(moved, kept, newSize, call + " (bytes past the old size)");
            if (moved.address() != block.address) {
                remember(block);
                assertEquals(0, moved.address() % 16, call);
                count("reallocate (moved)");
            } else {
                count("reallocate (in place)");
            }
            Block resized = new Block(moved.address(), newSize, Path.SEGMENT, moved, nextId++);
            claimRange(resized, call);
            ContentTags.write(moved, resized.id);
            live.add(resized);
            liveBytes += newSize;
        }

        void openArena(boolean shared) {
            arenas.add(new OpenArena(shared ? pool.newSharedArena() : pool.newConfinedArena(), shared,
                    new ArrayList<>()));
            count("arena open");
        }

        void allocateInArena(int arenaIndex, long size, long alignment) {
            OpenArena open = arenas.get(arenaIndex);
            MemorySegment segment = open.arena().allocate(size, alignment);
            assertEquals(size, segment.byteSize());
            open.segments().add(handedOut(segment, alignment, Path.SEGMENT, "arena allocate " + size));
            liveBytes += size;
            count("arena allocate");
        }

        void closeArena(int arenaIndex) {
            OpenArena open = arenas.remove(arenaIndex);
            for (Block segment : open.segments()) {
                ContentTags.check(segment.segment, segment.id, "arena close, " + segment);
                byAddress.remove(segment.address);
                liveBytes -= segment.size;
            }
            open.arena().close();
            if (!open.segments().isEmpty()) {
                MemorySegment first = open.segments().getFirst().segment;
                assertThrows(IllegalStateException.class, () -> first.get(ValueLayout.JAVA_BYTE, 0),
                        "a pooled arena's segment dies with the arena");
            }
            lastClosedArena = open.arena();
            count("arena close");
        }

        void trim() {
            pool.trim();
            count("trim");
        }

        private Block removeLive(int index) {
            Block block = live.get(index);
            Block last = live.removeLast();
            if (index < live.size()) {
                live.set(index, last);
            }
            byAddress.remove(block.address);
            liveBytes -= block.size;
            return block;
        }

        private void remember(Block block) {
            recentlyFreed[freedCount++ % recentlyFreed.length] = block;
        }

        /** A recently freed block whose address no live block or segment starts at now, or null. */
        Block staleBlock(int pick) {
            int known = Math.min(freedCount, recentlyFreed.length);
            for (int i = 0; i < known; i++) {
                Block candidate = recentlyFreed[(pick + i) % known];
                if (!byAddress.containsKey(candidate.address)) {
                    return candidate;
                }
            }
            return null;
        }

        // ---- bad calls ------------------------------------------------------------------------------------------

        /**
         * Makes a call that must be rejected with {@code type}, whose message contains one of {@code wording}, and
         * checks that the stats did not move.
         */
        void rejected(String kind, Class<? extends Throwable> type, Executable call, String... wording) {
            PoolStats before = pool.stats();
            Throwable thrown = assertThrows(type, call, kind);
            String message = String.valueOf(thrown.getMessage());
            boolean named = false;
            for (String part : wording) {
                named |= message.contains(part);
            }
            assertTrue(named, () -> kind + ": message \"" + message + "\" names none of " + List.of(wording));
            assertEquals(before, pool.stats(), () -> kind + " changed the heap");
            count("bad call");
        }

        void badCall(int kind, int pick, long offsetPick) {
            switch (kind) {
                case 0 -> {
                    Block stale = staleBlock(pick);
                    if (stale != null) {
                        String address = hex(stale.address);
                        rejected("double free", InvalidFreeException.class, () -> pool.freeAddress(stale.address),
                                address);
                        rejected("double free of the segment", InvalidFreeException.class,
                                () -> pool.free(stale.segment), address);
                        rejected("reallocate of a freed block", InvalidFreeException.class,
                                () -> pool.reallocate(stale.globalView(), 64), address);
                    }
                }
                case 1 -> {
                    if (!live.isEmpty()) {
                        Block block = live.get(pick % live.size());
                        if (block.size > 16) {
                            long offset = 16 * (1 + Math.floorMod(offsetPick, (block.size - 1) / 16));
                            if (offset < block.size) {
                                long inside = block.address + offset;
                                rejected("free inside a block", InvalidFreeException.class,
                                        () -> pool.freeAddress(inside), hex(inside));
                                rejected("free of a slice at an offset", InvalidFreeException.class,
                                        () -> pool.free(block.segment.asSlice(offset)), hex(inside));
                            }
                        }
                        rejected("free of a zero-length slice at the block's end", InvalidFreeException.class,
                                () -> pool.free(block.segment.asSlice(block.size)), "zero-length segment");
                    }
                }
                case 2 -> {
                    long address = switch (pick % 5) {
                        case 0 -> FOREIGN.address();
                        case 1 -> 0;
                        case 2 -> -16;
                        case 3 -> Long.MIN_VALUE;
                        default -> 8;
                    };
                    rejected("free of a foreign address", InvalidFreeException.class,
                            () -> pool.freeAddress(address), "not an address this allocator handed out");
                    if (address == FOREIGN.address()) {
                        rejected("free of a foreign segment", InvalidFreeException.class, () -> pool.free(FOREIGN),
                                "not an address this allocator handed out", "scope this allocator did not give");
                    }
                }
                case 3 -> {
                    MemorySegment heap = MemorySegment.ofArray(new byte[64]);
                    rejected("free of a heap segment", InvalidFreeException.class, () -> pool.free(heap),
                            "heap segment");
                    rejected("reallocate of a heap segment", InvalidFreeException.class,
                            () -> pool.reallocate(heap, 128), "heap segment");
                }
                case 4 -> {
                    long negative = -1 - Math.floorMod(offsetPick, 1L << 40);
                    rejected("raw allocate of 0 bytes", IllegalArgumentException.class,
                            () -> pool.allocateAddress(0), "size must be positive");
                    rejected("raw allocate of a negative size", IllegalArgumentException.class,
                            () -> pool.allocateAddress(negative), "size must be positive, was " + negative);
                    rejected("segment allocate of a negative size", IllegalArgumentException.class,
                            () -> pool.allocate(negative), "size must be positive, was " + negative);
                    rejected("allocate over the largest allocation", IllegalArgumentException.class,
                            () -> pool.allocate(maxAllocationBytes + 1), "over the largest allocation");
                    rejected("raw allocate over the largest allocation", IllegalArgumentException.class,
                            () -> pool.allocateAddress(Long.MAX_VALUE), "over the largest allocation");
                }
                case 5 -> {
                    if (!live.isEmpty()) {
                        Block block = live.get(pick % live.size());
                        rejected("reallocate to 0 bytes", IllegalArgumentException.class,
                                () -> pool.reallocate(block.segment, 0), "size must be positive");
                        rejected("reallocate over the largest allocation", IllegalArgumentException.class,
                                () -> pool.reallocate(block.segment, maxAllocationBytes + 1),
                                "over the largest allocation");
                    }
                }
                case 6 -> {
                    long bad = new long[] {0, 3, 24, -16, 1000}[pick % 5];
                    rejected("alignment " + bad, IllegalArgumentException.class, () -> pool.allocate(64, bad),
                            "power of two, was " + bad);
                    rejected("raw alignment " + bad, IllegalArgumentException.class,
                            () -> pool.allocateAddress(64, bad), "power of two, was " + bad);
                    rejected("alignment over 1 GiB", IllegalArgumentException.class,
                            () -> pool.allocate(64, 1L << 31), "over the largest served");
                }
                case 7 -> {
                    for (OpenArena open : arenas) {
                        if (!open.segments().isEmpty()) {
                            Block segment = open.segments().get(pick % open.segments().size());
                            rejected("free of a pooled arena's segment", InvalidFreeException.class,
                                    () -> pool.free(segment.segment), hex(segment.address));
                            rejected("raw free of a pooled arena's segment", InvalidFreeException.class,
                                    () -> pool.freeAddress(segment.address), hex(segment.address));
                            break;
                        }
                    }
                }
                case 8 -> {
                    rejected("free of null", NullPointerException.class, () -> pool.free(null), "segment");
                    rejected("reallocate of null", NullPointerException.class, () -> pool.reallocate(null, 8),
                            "segment");
                }
                case 9 -> {
                    if (!arenas.isEmpty()) {
                        Arena arena = arenas.get(pick % arenas.size()).arena();
                        rejected("arena allocate of a negative size", IllegalArgumentException.class,
                                () -> arena.allocate(-1), "-1");
                        rejected("arena alignment 3", IllegalArgumentException.class,
                                () -> arena.allocate(8, 3), "3");
                    }
                    if (lastClosedArena != null) {
                        Arena closed = lastClosedArena;
                        rejected("allocate in a closed arena", IllegalStateException.class,
                                () -> closed.allocate(16), "closed");
                    }
                }
                case 10 -> {
                    rejected("uninitialized allocate of 0 bytes", IllegalArgumentException.class,
                            () -> pool.allocateAddressUninitialized(0), "size must be positive");
                    rejected("uninitialized allocate over the largest allocation", IllegalArgumentException.class,
                            () -> pool.allocateAddressUninitialized(maxAllocationBytes + 1),
                            "over the largest allocation");
                }
                case 11 -> {
                    // Checked mode only: a byte written just past a block's end (or just before it) lands in its
                    // guard, which free and reallocate find; the block stays live. Without checked mode that byte
                    // would be a neighbour's, so nothing is written then.
                    if (checked && !live.isEmpty()) {
                        Block block = live.get(pick % live.size());
                        boolean after = offsetPick >= 0;
                        MemorySegment guardByte = MemorySegment.ofAddress(after ? block.address + block.size
                                : block.address - 1).reinterpret(1);
                        byte guard = guardByte.get(ValueLayout.JAVA_BYTE, 0);
                        guardByte.set(ValueLayout.JAVA_BYTE, 0, (byte) ~guard);
                        String found = after ? "buffer overflow" : "buffer underflow";
                        rejected("free of a block whose guard was overwritten", HeapCorruptionException.class,
                                () -> pool.freeAddress(block.address), found);
                        rejected("reallocate of a block whose guard was overwritten", HeapCorruptionException.class,
                                () -> pool.reallocate(block.globalView(), 64), found);
                        guardByte.set(ValueLayout.JAVA_BYTE, 0, guard);
                    }
                }
                default -> throw new IllegalArgumentException("no bad call " + kind);
            }
        }

        // ---- checks ---------------------------------------------------------------------------------------------

        void check() {
            if (++steps % CHECK_EVERY_STEPS != 0) {
                return;
            }
            pool.verify();
            PoolStats stats = pool.stats();
            long blocks = stats.blocksInUse() + stats.large().liveBlocks() + stats.huge().blocks();
            if (arenas.isEmpty() && !checked) {
                assertEquals(live.size(), blocks, () -> "live blocks in the stats, " + this + "\n" + stats.toTable());
            } else {
                // Arenas cut many segments from a slab; checked mode's quarantine holds freed blocks for a while.
                assertTrue(blocks >= live.size(), () -> blocks + " blocks in the stats, " + this);
            }
            assertEquals(stats.bytesInArenas(), stats.accountedBytes(), "pool byte accounting");
            assertEquals(stats.large().bytesInChunks(), stats.large().accountedBytes(), "large byte accounting");
            for (Block block : byAddress.values()) {
                ContentTags.checkEnds(block.segment, block.id, "live " + block);
            }
            count("verify");
        }

        /** Checks and frees everything, then closes the allocator; runs after failing tries too. */
        void close() {
            try {
                for (int i = arenas.size() - 1; i >= 0; i--) {
                    closeArena(i);
                }
                while (!live.isEmpty()) {
                    free(live.size() - 1, false);
                }
                pool.trim(); // empties checked mode's quarantine
                pool.verify();
                PoolStats stats = pool.stats();
                assertEquals(0, stats.blocksInUse() + stats.large().liveBlocks() + stats.huge().blocks(),
                        stats::toTable);
            } finally {
                for (OpenArena open : arenas) {
                    open.arena().close();
                }
                pool.close();
                synchronized (TOTALS) {
                    counts.forEach((what, n) -> TOTALS.computeIfAbsent(what, k -> new LongAdder()).add(n));
                    TOTALS.computeIfAbsent("tries on " + source, k -> new LongAdder()).increment();
                }
            }
        }

        @Override
        public String toString() {
            return live.size() + " live blocks (" + liveBytes + " bytes), " + arenas.size() + " open arenas; "
                    + settings;
        }
    }

    private static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }

    @Test
    void everyTierMatchesTheModelOverRandomOperationsWithBadCallsMixedIn() {
        run(OPERATIONS, false);
    }

    @Test
    void checkedModeMatchesTheModelOverRandomOperationsWithBadCallsMixedIn() {
        run(CHECKED_OPERATIONS, true);
    }

    private static void run(long operations, boolean checked) {
        int stepsPerTry = (int) Math.min(operations, MAX_STEPS_PER_TRY);
        int tries = (int) Math.max(1, operations / stepsPerTry);
        long started = System.nanoTime();
        StateMachine.Summary run = StateMachine.startingWithDrawn(draw -> new Model(draw, checked))
                .action(9, Model::mayAllocate, (m, draw) -> allocate(m, draw, Path.RAW))
                .action(3, Model::mayAllocate, (m, draw) -> allocate(m, draw, Path.RAW_UNINITIALIZED))
                .action(12, Model::mayAllocate, (m, draw) -> allocate(m, draw, Path.SEGMENT))
                .action(20, m -> !m.live.isEmpty(), RandomOperationsProperties::free)
                .action(1, m -> !m.live.isEmpty(), RandomOperationsProperties::freeMany)
                .action(6, m -> !m.live.isEmpty() && m.mayAllocate(), RandomOperationsProperties::reallocate)
                .action(1, m -> m.arenas.size() < MAX_OPEN_ARENAS, (m, draw) -> {
                    boolean shared = draw.coin();
                    return Step.of("open " + (shared ? "shared" : "confined") + " arena",
                            model -> model.openArena(shared));
                })
                .action(4, m -> !m.arenas.isEmpty() && m.mayAllocate(), RandomOperationsProperties::allocateInArena)
                .action(1, m -> !m.arenas.isEmpty(), (m, draw) -> {
                    int i = draw.intBetween(0, m.arenas.size() - 1);
                    return Step.of("close arena #" + i, model -> i < model.arenas.size(), model -> model.closeArena(i));
                })
                .action(1, (m, draw) -> Step.of("trim", Model::trim))
                .action(3, RandomOperationsProperties::badCall)
                .invariant(Model::check)
                .closeWith(Model::close)
                .run(tries, stepsPerTry);
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(run.tries() * (long) stepsPerTry, run.steps(), "every try takes all its steps");
        StringBuilder figures = new StringBuilder(String.format(
                "[reliability] random operations%s: %,d steps in %d tries of %,d, %.1f s (%,.0f steps/s)%n",
                checked ? " in checked mode" : "", run.steps(), run.tries(), stepsPerTry, seconds,
                run.steps() / seconds));
        synchronized (TOTALS) {
            TOTALS.forEach((what, n) -> figures.append(String.format("[reliability]   %-28s %,12d%n", what,
                    n.sum())));
            TOTALS.clear();
        }
        System.out.print(figures);
    }

    static Step<Model> allocate(Model m, Draw draw, Path path) {
        long size = SizeMix.draw(draw);
        // The uninitialized path takes no alignment (its blocks are 16-byte aligned, as malloc's).
        long alignment = path == Path.RAW_UNINITIALIZED ? 16 : draw.oneOf(m.checked ? CHECKED_ALIGNMENTS : ALIGNMENTS);
        return Step.of(path.name().toLowerCase() + " allocate " + size + " align " + alignment,
                Model::mayAllocate, model -> model.allocate(size, alignment, path));
    }

    static Step<Model> free(Model m, Draw draw) {
        int i = draw.intBetween(0, m.live.size() - 1);
        boolean crossPath = draw.intBetween(0, 3) == 0;
        return Step.of("free #" + i + (crossPath ? " through the other path" : ""), model -> i < model.live.size(),
                model -> model.free(i, crossPath));
    }

    static Step<Model> freeMany(Model m, Draw draw) {
        int first = draw.intBetween(0, m.live.size() - 1);
        int count = draw.intBetween(1, 200);
        return Step.of("free " + count + " from #" + first, model -> !model.live.isEmpty(),
                model -> model.freeMany(first, count));
    }

    static Step<Model> reallocate(Model m, Draw draw) {
        int i = draw.intBetween(0, m.live.size() - 1);
        boolean near = draw.coin();
        long size = near ? -1 : SizeMix.draw(draw);
        int nearPercent = draw.intBetween(-12, 12);
        boolean viaGlobalView = draw.coin();
        if (near) {
            // A size near the old one, which a pooled or large block can often take in place; the old size is
            // known only when the step runs (shrinking may have changed which block #i is).
            return Step.of("reallocate #" + i + " by " + nearPercent + "%" + (viaGlobalView ? " through a global view"
                    : ""), model -> i < model.live.size(), model -> model.reallocate(i, Math.max(1,
                    model.live.get(i).size + model.live.get(i).size * nearPercent / 100), viaGlobalView));
        }
        return Step.of("reallocate #" + i + " to " + size + (viaGlobalView ? " through a global view" : ""),
                model -> i < model.live.size(), model -> model.reallocate(i, size, viaGlobalView));
    }

    static Step<Model> allocateInArena(Model m, Draw draw) {
        int i = draw.intBetween(0, m.arenas.size() - 1);
        long size = draw.coin() ? draw.intBetween(1, 512) : SizeMix.draw(draw);
        long alignment = draw.oneOf(1, 1, 8, 16, 64, 4096);
        return Step.of("allocate " + size + " align " + alignment + " in arena #" + i, model -> i < model.arenas.size(),
                model -> model.allocateInArena(i, size, alignment));
    }

    static Step<Model> badCall(Model m, Draw draw) {
        int kind = draw.intBetween(0, 11);
        int pick = draw.intBetween(0, Integer.MAX_VALUE - 1);
        long offsetPick = draw.anyLong();
        return Step.of("bad call " + kind + " (pick " + pick + ")", model -> model.badCall(kind, pick, offsetPick));
    }
}
