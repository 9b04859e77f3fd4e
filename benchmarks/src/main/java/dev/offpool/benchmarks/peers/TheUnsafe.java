package dev.offpool.benchmarks.peers;

import java.lang.reflect.Field;

/**
 * The JDK's {@code sun.misc.Unsafe} instance, for code that must call {@code Unsafe.invokeCleaner} at a call site of
 * its own, where the agent can redirect it (a {@code MethodHandle}, as in {@link DirectBufferCleaner}, would not be).
 */
public final class TheUnsafe {
    private TheUnsafe() {
    }

    /**
     * {@return {@code sun.misc.Unsafe.theUnsafe}}
     *
     * @throws IllegalStateException if this JDK does not let it be read
     */
    @SuppressWarnings("removal")
    public static sun.misc.Unsafe get() {
        try {
            Field field = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return (sun.misc.Unsafe) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("sun.misc.Unsafe is not reachable on this JDK", e);
        }
    }
}
