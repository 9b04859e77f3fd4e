package dev.offpool.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Raw access to memory the allocator owns, through one segment that spans the whole address space.
 *
 * <p>Every address reaching these methods has already been checked to lie in one of our arenas, so the single
 * global-scope segment costs no liveness check and only a trivial bounds check. Creating it calls the restricted
 * {@link MemorySegment#reinterpret(long)}: run with {@code --enable-native-access=dev.offpool.core} (or
 * {@code ALL-UNNAMED} on the class path) to keep the JDK's one-time warning quiet.
 */
public final class NativeMemory {
    /** All of memory, for internal access by address. */
    public static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private NativeMemory() {
    }

    /** {@return the long at {@code address}} */
    public static long getLong(long address) {
        return EVERYTHING.get(ValueLayout.JAVA_LONG, address);
    }

    /** Stores {@code value} at {@code address}. */
    public static void putLong(long address, long value) {
        EVERYTHING.set(ValueLayout.JAVA_LONG, address, value);
    }

    /** Atomically ORs {@code bits} into the aligned long at {@code address}; {@return the previous value} */
    public static long getAndOrLong(long address, long bits) {
        return (long) LONG.getAndBitwiseOr(EVERYTHING, address, bits);
    }

    /** Atomically ANDs {@code bits} into the aligned long at {@code address}; {@return the previous value} */
    public static long getAndAndLong(long address, long bits) {
        return (long) LONG.getAndBitwiseAnd(EVERYTHING, address, bits);
    }

    /** {@return the long at {@code address}, read with volatile semantics} */
    public static long getLongVolatile(long address) {
        return (long) LONG.getVolatile(EVERYTHING, address);
    }

    /** Writes zeros over {@code [address, address + byteSize)}. */
    public static void zero(long address, long byteSize) {
        EVERYTHING.asSlice(address, byteSize).fill((byte) 0);
    }

    /** {@return a global-scope segment of {@code byteSize} bytes at {@code address}} */
    public static MemorySegment segment(long address, long byteSize) {
        return EVERYTHING.asSlice(address, byteSize);
    }
}
