package dev.offpool.nativebridge;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.offpool.OffPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real JNA calls into libc on pooled memory, through a leased library and a plain one. */
class LibcCallsTest {
    private final OffPool pool = OffPool.builder().build();

    @AfterEach
    void everyBlockIsBackAndThePoolIsSound() {
        assertEquals(0, pool.stats().blocksInUse());
        pool.verify();
        pool.close();
    }

    static Stream<LibC> libraries() {
        return Stream.of(LibC.LEASED, LibC.PLAIN);
    }

    @ParameterizedTest
    @MethodSource("libraries")
    void memsetFillsPooledMemoryUpToTheCountAndNoFurther(LibC libc) {
        try (PooledMemory memory = PooledMemory.allocate(pool, 100)) {
            Pointer returned = libc.memset(memory, 0xA5, 99);

            assertEquals(Pointer.nativeValue(memory), Pointer.nativeValue(returned));
            byte[] expected = new byte[100];
            Arrays.fill(expected, 0, 99, (byte) 0xA5);
            assertArrayEquals(expected, memory.getByteArray(0, 100));
        }
    }

    @ParameterizedTest
    @MethodSource("libraries")
    void strlenMeasuresAStringWrittenIntoPooledMemory(LibC libc) {
        try (PooledMemory memory = PooledMemory.allocate(pool, 64)) {
            memory.setString(0, "offpool via JNA", "UTF-8");

            assertEquals(15, libc.strlen(memory));
            assertEquals(11, libc.strlen(memory.share(4)));
        }
    }

    @ParameterizedTest
    @MethodSource("libraries")
    void qsortSortsPooledIntsWithAJavaComparator(LibC libc) {
        int[] values = new Random(11).ints(500).toArray();
        try (PooledMemory memory = PooledMemory.allocate(pool, values.length * 4L)) {
            memory.write(0, values, 0, values.length);
            int[] calls = new int[1];

            libc.qsort(memory, values.length, 4, (a, b) -> {
                calls[0]++;
                return Integer.compare(a.getInt(0), b.getInt(0));
            });

            int[] sorted = values.clone();
            Arrays.sort(sorted);
            assertArrayEquals(sorted, memory.getIntArray(0, values.length));
            assertTrue(calls[0] >= values.length - 1, "the comparator was called back " + calls[0] + " times");
        }
    }

    @ParameterizedTest
    @MethodSource("libraries")
    void snprintfFormatsIntoPooledMemoryThroughVarargs(LibC libc) {
        try (PooledMemory memory = PooledMemory.allocate(pool, 32);
             PooledMemory name = PooledMemory.allocate(pool, 8)) {
            name.setString(0, "pool");

            int written = libc.snprintf(memory, memory.size(), "%s:%d:%.1f", name, 42, 2.5);

            assertEquals("pool:42:2.5", memory.getString(0));
            assertEquals(11, written);
        }
    }

    @Test
    void aSegmentFromAPooledArenaGoesToLibcAsAPointer() {
        try (Arena arena = pool.newConfinedArena()) {
            MemorySegment text = arena.allocateFrom("segment text");
            Memory pointer = PooledJna.pointerTo(text);

            assertEquals(12, LibC.LEASED.strlen(pointer));
            LibC.LEASED.memset(pointer, 'x', 7);
            assertEquals("xxxxxxx text", pointer.getString(0));
            assertSame(text, PooledJna.segmentOf(pointer));
        }
    }
}
