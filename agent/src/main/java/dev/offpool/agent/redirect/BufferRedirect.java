package dev.offpool.agent.redirect;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * What instrumented call sites call instead of the JDK. The agent rewrites, in the classes it selects,
 * <pre>
 *   ByteBuffer.allocateDirect(n)          into  BufferRedirect.allocateDirect(n, SITE_ID)
 *   unsafe.invokeCleaner(buffer)          into  BufferRedirect.invokeCleaner(buffer, unsafe)   (honourInvokeCleaner)
 * </pre>
 * where {@code SITE_ID} is an {@code int} constant registered with {@link CallSites} when the class was transformed.
 * The class sits on the bootstrap class path, so every class loader, however isolated, resolves it to this one copy.
 * Not API: applications use {@link dev.offpool.agent.Redirects}.
 */
public final class BufferRedirect {
    private BufferRedirect() {
    }

    /**
     * Replaces {@code ByteBuffer.allocateDirect(capacity)}.
     *
     * @param capacity the requested capacity
     * @param site     the call site's id
     * @return a direct buffer of exactly {@code capacity} bytes, zeroed, big-endian, position 0
     * @throws IllegalArgumentException if {@code capacity} is negative, as the JDK does
     */
    public static ByteBuffer allocateDirect(int capacity, @SiteId int site) {
        return Redirector.active().allocate(capacity, site);
    }

    /**
     * Replaces {@code sun.misc.Unsafe.invokeCleaner(buffer)}: a redirected root buffer is freed now (its block, or
     * its share of its slab); a second call on it does nothing, as the JDK's second clean does nothing. Any other
     * buffer, including a slice or duplicate of a redirected one, goes to the JDK's method, which frees its own
     * buffers and throws {@link IllegalArgumentException} for slices, duplicates and heap buffers.
     *
     * @param buffer the buffer to free
     * @param unsafe the receiver of the original call
     * @throws NullPointerException     if either is null, as the original call would
     * @throws IllegalArgumentException from the JDK's method, for a heap buffer, a slice or a duplicate
     */
    /**
     * Runs just before an instrumented call of a pass-through helper (agent option {@code passThrough}, Jetty's
     * {@code BufferUtil.allocate} by default): the helper's own redirected {@code allocateDirect} then counts its
     * buffer at this caller's site, and decides its mode by it.
     *
     * @param site the calling site's id
     */
    public static void enterHelper(@SiteId int site) {
        Redirector.callerSite(site);
    }

    /**
     * What {@code sun.misc.Unsafe.invokeCleaner(buffer)} does first when the agent has added it to the JDK's method
     * (so every call reaches it, a {@code MethodHandle}'s too): frees a redirected root buffer.
     *
     * @param buffer the method's argument, any buffer or null
     * @return true if the JDK's body must be skipped: the agent freed the buffer, or it was a slab buffer freed
     *         already; false for null, heap buffers, the JDK's buffers and views, which the JDK's body takes as ever
     */
    public static boolean cleanedByAgent(ByteBuffer buffer) {
        return buffer != null && buffer.isDirect() && Redirector.isStarted() && Redirector.active().clean(buffer);
    }

    @SuppressWarnings("removal")
    public static void invokeCleaner(ByteBuffer buffer, @CallReceiver sun.misc.Unsafe unsafe) {
        Objects.requireNonNull(unsafe);
        if (buffer.isDirect() && Redirector.active().clean(buffer)) {
            return;
        }
        unsafe.invokeCleaner(buffer);
    }
}
