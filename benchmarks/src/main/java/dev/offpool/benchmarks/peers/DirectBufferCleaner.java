package dev.offpool.benchmarks.peers;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * Frees a direct {@link ByteBuffer} at once through {@code sun.misc.Unsafe.invokeCleaner}, the way Netty and others
 * release direct buffers without waiting for the GC.
 *
 * <p>{@code Unsafe} is reached reflectively (no compile-time use of {@code sun.misc}), only for this peer: the
 * allocator under test never touches it. {@code invokeCleaner} is not one of the memory-access methods JDK 23+ warns
 * about, so no extra JVM flag is needed.
 */
public final class DirectBufferCleaner {
    private static final MethodHandle INVOKE_CLEANER = invokeCleaner();

    private DirectBufferCleaner() {
    }

    /**
     * Releases {@code buffer}'s memory now; the buffer must not be used afterwards.
     *
     * @throws IllegalArgumentException if it is not a direct buffer, or is a slice or duplicate
     */
    public static void free(ByteBuffer buffer) {
        try {
            INVOKE_CLEANER.invokeExact(buffer);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static MethodHandle invokeCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(theUnsafe.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("sun.misc.Unsafe.invokeCleaner is not reachable on this JDK", e);
        }
    }
}
