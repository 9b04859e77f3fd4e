package dev.offpool.examples;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
import dev.offpool.OffPool;
import dev.offpool.nativebridge.PooledJna;
import dev.offpool.nativebridge.PooledMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * docs/JNA.md's example: libc called through JNA on pooled memory, an FFM segment passed as a JNA pointer, and what
 * happens after close. Run it with
 * {@code mvn -q -Pdemo-api -pl examples -am verify -DskipTests -Ddemo.main=dev.offpool.examples.JnaExample}.
 */
public final class JnaExample {
    /** The libc functions used, loaded with the options that hold pooled memory during each call. */
    public interface LibC extends Library {
        LibC INSTANCE = PooledJna.load("c", LibC.class);

        Pointer memset(Pointer s, int c, long n);

        long strlen(Pointer s);

        void qsort(Pointer base, long count, long size, Comparator compare);

        /** {@code int (*)(const void *, const void *)} */
        interface Comparator extends Callback {
            int invoke(Pointer a, Pointer b);
        }
    }

    private JnaExample() {
    }

    /** @param args unused */
    public static void main(String[] args) {
        try (PooledMemory text = PooledMemory.allocate(32)) {     // zeroed, from OffPool.global()
            LibC.INSTANCE.memset(text, '*', 5);
            System.out.println("strlen(\"" + text.getString(0) + "\") = " + LibC.INSTANCE.strlen(text));
        }

        int[] values = {42, 7, 19, 3};
        try (PooledMemory numbers = PooledMemory.allocate(values.length * 4L)) {
            numbers.write(0, values, 0, values.length);
            LibC.INSTANCE.qsort(numbers, values.length, 4, (a, b) -> Integer.compare(a.getInt(0), b.getInt(0)));
            MemorySegment same = numbers.asSegment();              // the FFM view of the same bytes
            System.out.println("sorted: " + java.util.Arrays.toString(same.toArray(ValueLayout.JAVA_INT)));
        }

        try (Arena arena = OffPool.global().newConfinedArena()) {  // FFM memory handed to JNA
            MemorySegment greeting = arena.allocateFrom("hello from FFM");
            System.out.println("strlen via JNA = " + LibC.INSTANCE.strlen(PooledJna.pointerTo(greeting)));
        }

        PooledMemory closed = PooledMemory.allocate(16);
        ByteBuffer buffer = closed.getByteBuffer(0, 16);
        closed.close();
        closed.close();                                             // harmless, as JNA's
        report("getInt after close", () -> closed.getInt(0));
        report("buffer after close", () -> buffer.get(0));
        report("native call after close", () -> LibC.INSTANCE.strlen(closed));
    }

    private static void report(String what, Runnable action) {
        try {
            action.run();
            System.out.println(what + ": no exception (unexpected)");
        } catch (IllegalStateException e) {
            System.out.println(what + ": " + e.getMessage());
        }
    }
}
