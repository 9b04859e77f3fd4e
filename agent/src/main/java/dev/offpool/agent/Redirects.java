package dev.offpool.agent;

import dev.offpool.agent.redirect.RedirectReport;
import dev.offpool.agent.redirect.Redirector;
import dev.offpool.spi.RedirectSource;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * What the offpool agent has redirected, and the explicit free for code that wants deterministic release. Read-only
 * apart from {@link #free}; JFR and JMX integrations read it too.
 *
 * {@snippet :
 * ByteBuffer buffer = ByteBuffer.allocateDirect(4096);   // redirected when the agent selected this class
 * // ... use it ...
 * Redirects.free(buffer);                                // its block goes back to the pools now
 *
 * RedirectSource.Totals stats = Redirects.stats();
 * for (RedirectSource.Site site : Redirects.sites()) {
 *     System.out.println(site.site() + " holds " + site.liveBytes() + " bytes");
 * }
 * }
 *
 * <p>These classes are on the bootstrap class path when the agent runs, so any class loader reaches the one running
 * agent through them. Compile against {@code offpool-agent}; without the agent at run time, either the class is
 * missing ({@link NoClassDefFoundError}: guard with {@code Class.forName} if the agent is optional) or, if the jar is
 * on the class path, {@link #isActive()} is false and nothing is redirected.
 */
public final class Redirects {
    private Redirects() {
    }

    /** {@return true if the agent is running in this JVM} */
    public static boolean isActive() {
        return Redirector.isStarted();
    }

    /**
     * Frees a redirected buffer now, as {@code Unsafe.invokeCleaner} frees a JDK direct buffer. A buffer with a
     * block of its own gives the block back at once; a small buffer (up to {@code slabMaxBytes}, 512 by default)
     * lives in a slab shared with its thread's other small buffers, whose memory goes back when every buffer in it
     * is freed or dead (agent/README.md, "Small buffers: slabs"). The buffer and every view of it must not be used
     * afterwards: they would read and write whatever the memory holds next; a small buffer, which is bound to its
     * slab's scope and not to the pool region's, may even crash the JVM once that memory is unmapped, as a JDK
     * buffer used after {@code invokeCleaner} may.
     *
     * <p>Exactly once: the GC never frees the block again, a second call returns false, and of two threads freeing
     * the same buffer at once one gets true and the other false.
     *
     * @param buffer the buffer {@code ByteBuffer.allocateDirect} returned at a redirected call site
     * @return true if this call freed it; false, doing nothing, if {@code buffer} is not a redirected buffer
     *         (a heap buffer, a JDK direct buffer such as a fallback, a buffer made before the agent was attached), is
     *         a slice, duplicate or other view of one (free the buffer {@code allocateDirect} returned), or was freed
     *         already, or if the agent is not running
     * @throws NullPointerException if {@code buffer} is null
     */
    public static boolean free(ByteBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        return Redirector.isStarted() && Redirector.active().free(buffer);
    }

    /**
     * {@return true if {@code buffer} is a live redirected buffer: one that {@code allocateDirect} returned at a
     * redirected call site, served from the pools, not yet freed} Views of it answer false.
     *
     * @param buffer any buffer
     * @throws NullPointerException if {@code buffer} is null
     */
    public static boolean isRedirected(ByteBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        return Redirector.isStarted() && Redirector.active().isRedirected(buffer);
    }

    /** {@return the redirect counters now; all zero if the agent is not running} */
    public static RedirectSource.Totals stats() {
        return Redirector.isStarted() ? Redirector.active().stats() : RedirectSource.Totals.NONE;
    }

    /**
     * {@return every instrumented call site that allocated, redirected or kept on the JDK's path, most live bytes
     * first (then most allocations); empty if the agent is not running or runs with {@code sites=false}}
     */
    public static List<RedirectSource.Site> sites() {
        return Redirector.isStarted() && Redirector.active().config().sites() ? Redirector.active().sites() : List.of();
    }

    /**
     * {@return the report the agent writes periodically and at exit: counters, top call sites, the pool's stats
     * table} Empty if the agent is not running.
     */
    public static String report() {
        return Redirector.isStarted() ? RedirectReport.text(Redirector.active(), "now") : "";
    }
}
