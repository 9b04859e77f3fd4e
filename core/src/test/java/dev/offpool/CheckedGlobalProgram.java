package dev.offpool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Run by {@link CheckedModeTest} in a JVM of its own, with {@code -Doffpool.checked=true}. */
public final class CheckedGlobalProgram {
    private CheckedGlobalProgram() {
    }

    public static void main(String[] args) {
        OffPool pool = OffPool.global();
        long fresh = pool.allocateAddressUninitialized(16);
        System.out.println("uninitialized reads 0xCD: " + (MemorySegment.ofAddress(fresh).reinterpret(16)
                .get(ValueLayout.JAVA_BYTE, 0) == (byte) 0xCD));
        MemorySegment.ofAddress(fresh).reinterpret(17).set(ValueLayout.JAVA_BYTE, 16, (byte) 1);
        boolean caught;
        try {
            pool.freeAddress(fresh);
            caught = false;
        } catch (HeapCorruptionException e) {
            caught = true;
        }
        System.out.println("overflow caught: " + caught);
    }
}
