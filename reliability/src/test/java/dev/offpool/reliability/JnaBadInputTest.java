package dev.offpool.reliability;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.offpool.OffPool;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.nativebridge.PooledJna;
import dev.offpool.nativebridge.PooledMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JNA rows of docs/RELIABILITY.md's bad-input catalogue: every refused call on native-bridge's
 * {@link PooledMemory} and {@link PooledJna} gets its exception and leaves the heap unchanged ({@link Witness}).
 */
class JnaBadInputTest {
    /** strlen through library options that lease pooled arguments. */
    interface CLibrary extends Library {
        CLibrary LEASED = PooledJna.load("c", CLibrary.class);

        long strlen(Pointer text);
    }

    private final OffPool pool = OffPool.builder().build();
    private final Witness witness = new Witness(pool);

    @AfterEach
    void closePool() {
        if (!pool.isClosed()) {
            pool.close();
        }
    }

    @Test
    void allocationsThePoolRefusesThrowAndLeaveTheHeapUnchanged() {
        witness.rejected(IllegalArgumentException.class, () -> PooledMemory.allocate(pool, 0),
                "memory size must be positive, was 0");
        witness.rejected(IllegalArgumentException.class, () -> PooledMemory.allocate(pool, -8), "was -8");
        witness.rejected(IllegalArgumentException.class,
                () -> PooledMemory.allocate(pool, OffPool.DEFAULT_MAX_ALLOCATION_BYTES + 1),
                "over the largest allocation");
        witness.rejected(NullPointerException.class, () -> PooledMemory.allocate(null, 8), "pool");
        try (OffPool limited = OffPool.builder().maxReservedBytes(16 << 20).build()) {
            Witness atTheLimit = new Witness(limited);
            OutOfPoolMemoryException e = atTheLimit.refusedAtTheLimit(() -> PooledMemory.allocate(limited, 12 << 20));
            assertTrue(e.limitReached());
            atTheLimit.release();
        }
        OffPool closed = OffPool.builder().build();
        closed.close();
        assertThrows(IllegalStateException.class, () -> PooledMemory.allocate(closed, 8), "allocator is closed");
    }

    @Test
    void accessesOutOfBoundsOrAfterCloseThrowAndLeaveTheHeapUnchanged() {
        PooledMemory memory = PooledMemory.allocate(pool, 16);
        memory.setMemory(0, 16, (byte) 'x');
        witness.rejected(IndexOutOfBoundsException.class, () -> memory.getString(0), "");
        memory.setLong(0, 42);
        witness.rejected(IndexOutOfBoundsException.class, () -> memory.getInt(13), "");
        witness.rejected(IndexOutOfBoundsException.class, () -> memory.setLong(-1, 1), "");
        witness.rejected(IndexOutOfBoundsException.class, () -> memory.write(0, new byte[17], 0, 17), "");
        assertEquals(42, memory.getLong(0), "a refused write wrote nothing");
        assertEquals('x', memory.getByte(15), "a refused write wrote nothing");
        memory.close();
        String closed = "is closed";
        witness.rejected(IllegalStateException.class, () -> memory.getLong(0), closed);
        witness.rejected(IllegalStateException.class, () -> memory.setByte(0, (byte) 1), closed);
        witness.rejected(IllegalStateException.class, () -> memory.share(0, 8), closed);
        witness.rejected(IllegalStateException.class, memory::asSegment, closed);
        witness.rejected(IllegalStateException.class, () -> CLibrary.LEASED.strlen(memory), "argument 0 of strlen");
        long before = pool.stats().blocksInUse();
        memory.close();
        assertEquals(before, pool.stats().blocksInUse(), "a second close frees nothing");
        assertFalse(memory.valid());
    }

    @Test
    void viewsOfForeignOrClosedMemoryAreRefusedAndHeapUnchanged() {
        witness.rejected(NullPointerException.class, () -> PooledJna.pointerTo(null), "segment");
        witness.rejected(IllegalArgumentException.class, () -> PooledJna.pointerTo(MemorySegment.ofArray(new byte[8])),
                "a heap segment has no native address");
        witness.rejected(IllegalArgumentException.class, () -> PooledJna.pointerTo(MemorySegment.NULL),
                "address 0 (NULL)");
        MemorySegment dead;
        try (Arena arena = Arena.ofConfined()) {
            dead = arena.allocate(8);
        }
        MemorySegment closedSegment = dead;
        witness.rejected(IllegalStateException.class, () -> PooledJna.pointerTo(closedSegment), "scope is closed");

        witness.rejected(NullPointerException.class, () -> PooledJna.segmentOf(null), "pointer");
        try (Memory jnaOwn = new Memory(8)) {
            witness.rejected(IllegalArgumentException.class, () -> PooledJna.segmentOf(jnaOwn),
                    "not memory from offpool");
        }
        PooledMemory memory = PooledMemory.allocate(pool, 8);
        Pointer view = memory.share(4);
        memory.close();
        witness.rejected(IllegalStateException.class, () -> PooledJna.segmentOf(memory), "is closed");
        witness.rejected(IllegalStateException.class, () -> PooledJna.segmentOf(view), "is closed");
    }

    @Test
    void libraryOptionsRejectNullAndAnInvocationMapperOfTheWrongType() {
        witness.rejected(NullPointerException.class, () -> PooledJna.libraryOptions(null), "options");
        witness.rejected(ClassCastException.class,
                () -> PooledJna.libraryOptions(Map.of(Library.OPTION_INVOCATION_MAPPER, "not a mapper")), "");
    }
}
