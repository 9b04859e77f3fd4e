package dev.offpool.agent.redirect;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The JDK's own direct-memory budget ({@code java.nio.Bits}), which every redirected buffer is reserved in, so that
 * redirected and JDK direct buffers together stay within one limit ({@code -XX:MaxDirectMemorySize}, or its
 * default), counted where the JDK's {@code direct} buffer pool bean, {@code jcmd VM.native_memory} users and
 * Micrometer's {@code jvm.buffer.*} meters look.
 *
 * <p>A redirected buffer reserves as a JDK direct buffer does: one buffer, its capacity, before its memory is taken;
 * and unreserves when its memory goes back. At the limit the agent first frees the redirected blocks it knows are
 * dead ({@link Redirector}), then calls the JDK's own {@code Bits.reserveMemory}, which does what the JDK does for
 * its own buffers: waits for pending references, calls {@code System.gc()} (a no-op under
 * {@code -XX:+DisableExplicitGC}), retries with bounded back-off (about 0.5 s) and throws the JDK's
 * {@code OutOfMemoryError: Cannot reserve N bytes of direct buffer memory (allocated: A, limit: L)}. The agent's
 * release thread frees dead blocks at once while a thread waits there.
 *
 * <p>{@code Bits} is package-private: the agent opens {@code java.base/java.nio} to the runtime's module (and only
 * to it) when it starts. Where that was refused, {@link #available()} is false and nothing is redirected, since
 * a redirected buffer outside the budget would let the process hold twice the limit.
 */
public final class JdkDirectMemory {
    private static final MethodHandle TRY_RESERVE;
    private static final MethodHandle RESERVE;
    private static final VarHandle MAX_MEMORY;
    private static final AtomicLong TOTAL_CAPACITY;
    private static final AtomicLong RESERVED_MEMORY;
    private static final AtomicLong COUNT;
    private static final String UNAVAILABLE_BECAUSE;

    static {
        MethodHandle tryReserve = null;
        MethodHandle reserve = null;
        VarHandle maxMemory = null;
        AtomicLong totalCapacity = null;
        AtomicLong reservedMemory = null;
        AtomicLong count = null;
        String because = null;
        try {
            Class<?> bits = Class.forName("java.nio.Bits");
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(bits, MethodHandles.lookup());
            MethodType reservation = MethodType.methodType(void.class, long.class, long.class);
            tryReserve = lookup.findStatic(bits, "tryReserveMemory",
                    MethodType.methodType(boolean.class, long.class, long.class));
            reserve = lookup.findStatic(bits, "reserveMemory", reservation);
            MethodHandle unreserve = lookup.findStatic(bits, "unreserveMemory", reservation);
            maxMemory = lookup.findStaticVarHandle(bits, "MAX_MEMORY", long.class);
            totalCapacity = (AtomicLong) lookup.findStaticVarHandle(bits, "TOTAL_CAPACITY", AtomicLong.class).get();
            reservedMemory = (AtomicLong) lookup.findStaticVarHandle(bits, "RESERVED_MEMORY", AtomicLong.class).get();
            count = (AtomicLong) lookup.findStaticVarHandle(bits, "COUNT", AtomicLong.class).get();
            // reserveMemory reads the final limit (-XX:MaxDirectMemorySize) on its first call; tryReserveMemory, the
            // fast path below, relies on that having happened. A reservation of nothing does it and holds nothing.
            reserve.invokeExact(0L, 0L);
            unreserve.invokeExact(0L, 0L);
        } catch (Throwable e) {
            tryReserve = reserve = null;
            because = "the JDK's direct-memory accounting (java.nio.Bits) is out of reach: " + e;
        }
        TRY_RESERVE = tryReserve;
        RESERVE = reserve;
        MAX_MEMORY = maxMemory;
        TOTAL_CAPACITY = totalCapacity;
        RESERVED_MEMORY = reservedMemory;
        COUNT = count;
        UNAVAILABLE_BECAUSE = because;
    }

    private JdkDirectMemory() {
    }

    /** {@return true if redirected buffers can be reserved in the JDK's budget} */
    public static boolean available() {
        return TRY_RESERVE != null;
    }

    /** {@return why {@link #available()} is false, or null} */
    public static String unavailableBecause() {
        return UNAVAILABLE_BECAUSE;
    }

    /** {@return the JDK's direct-memory limit in bytes, or -1 if unavailable} */
    public static long limitBytes() {
        return available() ? (long) MAX_MEMORY.getVolatile() : -1;
    }

    /** {@return the capacity of every direct buffer reserved now, JDK and redirected, or -1 if unavailable} */
    public static long reservedCapacityBytes() {
        return available() ? TOTAL_CAPACITY.get() : -1;
    }

    /**
     * Reserves {@code bytes} for one buffer if that fits under the limit now, without waiting.
     *
     * @param bytes the buffer's capacity
     * @return true if reserved
     */
    static boolean tryReserve(long bytes) {
        try {
            return (boolean) TRY_RESERVE.invokeExact(bytes, bytes);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /**
     * Reserves {@code bytes} for one buffer as the JDK reserves its own: waiting for reference processing, then
     * {@code System.gc()}, then bounded retries.
     *
     * @param bytes the buffer's capacity
     * @throws OutOfMemoryError the JDK's own, if the limit still does not allow it
     */
    static void reserve(long bytes) {
        try {
            RESERVE.invokeExact(bytes, bytes);
        } catch (Throwable e) {
            throw rethrow(e);
        }
    }

    /**
     * Gives back what {@code buffers} buffers of {@code bytes} bytes in all reserved; nothing if unavailable.
     *
     * @param buffers how many buffers
     * @param bytes   their capacities' sum
     */
    static void unreserve(long buffers, long bytes) {
        if (COUNT == null) {
            return; // nothing was reserved: without the budget nothing is redirected
        }
        // What Bits.unreserveMemory does for one buffer, for many at once (a slab's).
        COUNT.addAndGet(-buffers);
        RESERVED_MEMORY.addAndGet(-bytes);
        TOTAL_CAPACITY.addAndGet(-bytes);
    }

    private static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (e instanceof Error error) {
            throw error;
        }
        throw new IllegalStateException(e);
    }
}
