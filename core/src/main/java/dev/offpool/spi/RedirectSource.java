package dev.offpool.spi;

import dev.offpool.jfr.JfrSupport;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the offpool agent has redirected into the pools, as core's observability reads it. The agent implements it
 * and hands it over twice: to {@link #publish(RedirectSource)} at start, which feeds the
 * {@code offpool.AgentRedirects} and {@code offpool.AgentCallSite} JFR events, and to
 * {@link dev.offpool.jmx.OffPoolMBeans#registerAgent(RedirectSource)}, which registers the
 * {@code dev.offpool:type=Agent} bean.
 *
 * <p>Both methods are called from JMX and JFR threads, at most a few times a second each: they must be thread-safe
 * and must not block. Counters only grow except the live ones; each may be read while others move.
 */
public interface RedirectSource {
    /**
     * Makes JFR's agent events ({@code offpool.AgentRedirects} and, when {@link #sites()} is not empty,
     * {@code offpool.AgentCallSite}) report {@code source}'s counts, each period the ones since the last, until the
     * returned handle is closed; a later source replaces an earlier one. Touches no JFR class when offpool's JFR
     * support is off, and registers nothing with JFR before a recording exists.
     *
     * @param source the agent's counters
     * @return the handle that stops the feed (closing it twice, or after another source replaced this one, does
     *         nothing)
     * @throws NullPointerException if {@code source} is null
     */
    static AutoCloseable publish(RedirectSource source) {
        Objects.requireNonNull(source, "source");
        JfrSupport.trackRedirects(source);
        return () -> JfrSupport.untrackRedirects(source);
    }

    /**
     * {@return the source {@link #publish} was given last, unless its handle was closed since: the agent's, while
     * it runs} What {@link dev.offpool.jmx.BufferPoolUsage} subtracts so as not to count twice what the JDK's
     * {@code direct} pool counts.
     */
    static Optional<RedirectSource> published() {
        return Optional.ofNullable(JfrSupport.publishedRedirects());
    }

    /** {@return the counters now} */
    Totals totals();

    /** {@return every call site that got a redirected buffer, in any order; empty when call sites are not kept} */
    List<Site> sites();

    /**
     * The agent's counters. Every {@code allocateDirect} call at an instrumented site ends in exactly one of
     * {@code redirected}, {@code keptOnJdk}, {@code outsideSizeRange}, a {@code fellBack...} counter or
     * {@code refusedAtLimit}; every redirected buffer is later counted once in {@code freedByGc} or
     * {@code freedExplicitly}, or is still live.
     *
     * @param redirected              buffers served from the pools
     * @param keptOnJdk               requests at sites the agent leaves on the JDK's path (their buffers live long,
     *                                or the user said so), accounted but not redirected
     * @param outsideSizeRange        requests outside the configured size range, left to the JDK
     * @param fellBackOverLimit       requests left to the JDK because the agent could not reserve them in the JDK's
     *                                direct-memory budget itself (the JDK's path then applies its own limit)
     * @param fellBackAllocatorFull   requests the allocator refused for lack of memory
     * @param fellBackAllocatorClosed requests made while the allocator was closed
     * @param fellBackInternalError   requests that failed inside the agent for any other reason
     * @param refusedAtLimit          requests refused with the JDK's {@code OutOfMemoryError} at the direct-memory
     *                                limit, after what the JDK does there (reference processing, {@code System.gc()})
     * @param freedByGc               blocks freed once their buffer became unreachable
     * @param freedExplicitly         blocks freed by an explicit call or a redirected {@code invokeCleaner}
     * @param releaseFailures         frees that failed inside the agent
     * @param liveBuffers             redirected buffers not freed yet
     * @param liveBytes               their capacities, summed: what they hold of the JDK's direct-memory budget, and
     *                                so what the JDK's {@code java.nio:type=BufferPool,name=direct} bean counts for
     *                                them
     * @param limitBytes              the JDK's direct-memory limit, which redirected and JDK buffers share
     */
    record Totals(long redirected, long keptOnJdk, long outsideSizeRange, long fellBackOverLimit,
                  long fellBackAllocatorFull, long fellBackAllocatorClosed, long fellBackInternalError,
                  long refusedAtLimit, long freedByGc, long freedExplicitly, long releaseFailures, long liveBuffers,
                  long liveBytes, long limitBytes) {

        /** Every counter 0: what a source reports before its first call. */
        public static final Totals NONE = new Totals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        /** {@return the requests that fell back to the JDK, for every reason} */
        public long fellBack() {
            return fellBackOverLimit + fellBackAllocatorFull + fellBackAllocatorClosed + fellBackInternalError;
        }
    }

    /**
     * One call site: one {@code ByteBuffer.allocateDirect} call in a method, known when its class was instrumented,
     * whether the agent redirects it or leaves it on the JDK's path. Counts cover the site's buffers on both paths.
     *
     * @param className     the binary name of the class
     * @param method        the method's name and parameter types, such as {@code read(int, ByteBuffer)}
     * @param line          the call's source line, or -1 where the class has no line numbers
     * @param redirected    true while the site's requests are served from the pools
     * @param reason        why the site is redirected or not, in a few words, as the report prints it
     * @param liveBuffers   buffers from this site not freed yet
     * @param liveBytes     their capacities, summed
     * @param peakLiveBytes the most {@code liveBytes} has been
     * @param allocations   buffers this site ever got, from the pools or from the JDK
     * @param fellBack      requests of this site that were to be redirected but fell back to the JDK's path
     */
    record Site(String className, String method, int line, boolean redirected, String reason, long liveBuffers,
                long liveBytes, long peakLiveBytes, long allocations, long fellBack) {

        /** {@return {@code className.method:line}, or {@code className.method} without a line} */
        public String site() {
            return line < 0 ? className + '.' + method : className + '.' + method + ':' + line;
        }
    }
}
