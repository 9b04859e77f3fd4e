package dev.offpool.benchmarks;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Writes to memory known only by its address, so that every peer touches its block the same way: one byte.
 *
 * <p>One global-scope segment spans the address space; creating it calls a restricted method, which is why the forks
 * run with {@code --enable-native-access=ALL-UNNAMED}.
 */
final class RawMemory {
    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private RawMemory() {
    }

    /** Writes one byte at {@code address}. */
    static void touch(long address) {
        EVERYTHING.set(ValueLayout.JAVA_BYTE, address, (byte) 1);
    }

    /** Writes {@code byteSize} bytes of 1 at {@code address}: a block used as a program uses what it allocates. */
    static void write(long address, long byteSize) {
        EVERYTHING.asSlice(address, byteSize).fill((byte) 1);
    }

    /**
     * Zeroes {@code byteSize} bytes at {@code address} the way FFM code zeroes a block malloc returned: a segment over
     * the block ({@code reinterpret}, a restricted method) and {@link MemorySegment#fill}.
     */
    static void zero(long address, long byteSize) {
        MemorySegment.ofAddress(address).reinterpret(byteSize).fill((byte) 0);
    }
}
