package dev.offpool.reliability;

import dev.offpool.OffPool;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.PoolStats;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Watches a heap across a call that must be refused: live blocks in every tier, tagged, whose bytes must not change,
 * and the stats, which must be exactly as they were.
 *
 * <pre>{@code
 * Witness witness = new Witness(pool);
 * witness.rejected(InvalidFreeException.class, () -> pool.freeAddress(0), "not an address");
 * }</pre>
 */
final class Witness {
    /** One block per tier at the default settings: small, medium, large, huge. */
    private static final long[] SIZES = {48, 6000, 200_000, 3 << 20};

    private final OffPool pool;
    private final List<MemorySegment> blocks = new ArrayList<>();

    Witness(OffPool pool) {
        this.pool = pool;
        for (long size : SIZES) {
            MemorySegment block = pool.allocate(size);
            ContentTags.write(block, size);
            blocks.add(block);
        }
    }

    /**
     * Makes {@code call}, which must throw {@code type} with a message containing {@code messagePart}, and checks that
     * nothing changed: {@code verify()} passes, the stats equal those taken before, the witness blocks hold their tags.
     *
     * @return what was thrown
     */
    <T extends Throwable> T rejected(Class<T> type, Executable call, String messagePart) {
        PoolStats before = pool.stats();
        T thrown = assertThrows(type, call);
        assertTrue(String.valueOf(thrown.getMessage()).contains(messagePart),
                () -> "\"" + thrown.getMessage() + "\" does not say \"" + messagePart + "\"");
        unchangedSince(before);
        return thrown;
    }

    /**
     * Makes {@code call}, which must be refused by the reserved-bytes limit, and checks what such a refusal keeps: the
     * same live blocks in every tier, intact, no more bytes reserved, and a heap that verifies. (Before refusing, the
     * allocator gives back what it only caches, so the cached and available figures may move.)
     *
     * @return what was thrown
     */
    OutOfPoolMemoryException refusedAtTheLimit(Executable call) {
        PoolStats before = pool.stats();
        OutOfPoolMemoryException thrown = assertThrows(OutOfPoolMemoryException.class, call);
        assertTrue(thrown.limitReached() && thrown.getMessage().contains("reserved-bytes limit reached"),
                thrown::getMessage);
        pool.verify();
        PoolStats after = pool.stats();
        assertEquals(before.blocksInUse(), after.blocksInUse());
        assertEquals(before.bytesInAllocatedBlocks(), after.bytesInAllocatedBlocks());
        assertEquals(before.large().liveBlocks(), after.large().liveBlocks());
        assertEquals(before.large().bytesInLiveBlocks(), after.large().bytesInLiveBlocks());
        assertEquals(before.huge().blocks(), after.huge().blocks());
        assertTrue(after.reservedBytes() <= before.reservedBytes(), "a refusal reserves nothing");
        for (MemorySegment block : blocks) {
            ContentTags.check(block, block.byteSize(), "witness block");
        }
        return thrown;
    }

    /** Checks that the heap is as {@code before} describes it and the witness blocks are intact. */
    void unchangedSince(PoolStats before) {
        pool.verify();
        assertEquals(before, pool.stats(), "the heap changed");
        for (MemorySegment block : blocks) {
            ContentTags.check(block, block.byteSize(), "witness block");
        }
    }

    /** Frees the witness blocks. */
    void release() {
        blocks.forEach(pool::free);
        blocks.clear();
    }
}
