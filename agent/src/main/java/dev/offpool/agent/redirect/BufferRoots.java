package dev.offpool.agent.redirect;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;

/**
 * Tells a direct buffer made by {@code MemorySegment.asByteBuffer()} (a root) from a slice, duplicate or other view
 * of it, the way the JDK's own {@code Unsafe.invokeCleaner} does: a view's {@code sun.nio.ch.DirectBuffer.attachment()}
 * is the buffer it was made from, a root's is null.
 *
 * <p>A slab buffer needs this where a per-buffer one does not: a duplicate has the root's address, capacity and
 * scope, and the slab keeps no object per buffer whose identity could tell them apart. {@code sun.nio.ch} is not
 * exported; the agent exports it to its runtime's module ({@code Instrumentation.redefineModule}) before it starts.
 * Where that did not happen (the runtime loaded without the agent, or the export failed) {@link #available()} is
 * false and the redirector does not use slabs. The handle is read through a {@code static final} field, so the JIT
 * compiles the call to the interface call it wraps.
 */
final class BufferRoots {
    /** {@code (ByteBuffer)Object}: the buffer's attachment; null if sun.nio.ch is not readable here. */
    private static final MethodHandle ATTACHMENT = attachmentHandle();

    private BufferRoots() {
    }

    /** {@return true if {@link #isView} can answer} */
    static boolean available() {
        return ATTACHMENT != null;
    }

    /**
     * {@return true if {@code direct} is a view of another buffer (a slice, duplicate, read-only or typed view)}
     *
     * @param direct a direct buffer; call only when {@link #available()}
     */
    static boolean isView(ByteBuffer direct) {
        try {
            return (Object) ATTACHMENT.invokeExact(direct) != null;
        } catch (Throwable e) {
            throw new IllegalStateException("offpool agent: cannot read a direct buffer's attachment", e);
        }
    }

    private static MethodHandle attachmentHandle() {
        try {
            Class<?> directBuffer = Class.forName("sun.nio.ch.DirectBuffer");
            if (!directBuffer.getModule().isExported(directBuffer.getPackageName(), BufferRoots.class.getModule())) {
                return null;
            }
            return MethodHandles.lookup().findVirtual(directBuffer, "attachment", MethodType.methodType(Object.class))
                    .asType(MethodType.methodType(Object.class, ByteBuffer.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
