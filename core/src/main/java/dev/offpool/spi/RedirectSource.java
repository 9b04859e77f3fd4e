package dev.offpool.spi;

import dev.offpool.jfr.JfrSupport;

import java.util.List;
import java.util.Objects;

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

    /** {@return the counters now} */
    Totals totals();

    /** {@return every call site that got a redirected buffer, in any order; empty when call sites are not kept} */
    List<Site> sites();

    /**
     * The agent's counters. Every {@code allocateDirect} call at an instrumented site ends in exactly one of
     * {@code redirected}, {@code outsideSizeRange} or a {@code fellBack...} counter; every redirected buffer is later
     * counted once in {@code freedByGc} or {@code freedExplicitly}, or is still live.
     *
     * @param redirected              buffers served from the pools
     * @param outsideSizeRange        requests outside the configured size range, left to the JDK
     * @param fellBackOverLimit       requests that would have passed the agent's own limit
     * @param fellBackAllocatorFull   requests the allocator refused for lack of memory
     * @param fellBackAllocatorClosed requests made while the allocator was closed
     * @param fellBackInternalError   requests that failed inside the agent for any other reason
     * @param freedByGc               blocks freed once their buffer became unreachable
     * @param freedExplicitly         blocks freed by an explicit call or a redirected {@code invokeCleaner}
     * @param releaseFailures         frees that failed inside the agent
     * @param liveBuffers             redirected buffers not freed yet
     * @param liveBytes               their capacities, summed
     * @param limitBytes              the most {@code liveBytes} may reach
     */
    record Totals(long redirected, long outsideSizeRange, long fellBackOverLimit, long fellBackAllocatorFull,
                  long fellBackAllocatorClosed, long fellBackInternalError, long freedByGc, long freedExplicitly,
                  long releaseFailures, long liveBuffers, long liveBytes, long limitBytes) {

        /** {@return the requests that fell back to the JDK, for every reason} */
        public long fellBack() {
            return fellBackOverLimit + fellBackAllocatorFull + fellBackAllocatorClosed + fellBackInternalError;
        }
    }

    /**
     * One call site's share of the redirected buffers: a method that calls {@code ByteBuffer.allocateDirect}.
     *
     * @param className     the binary name of the class
     * @param method        the method's name and parameter types, such as {@code read(int, ByteBuffer)}
     * @param liveBuffers   redirected buffers from this site not freed yet
     * @param liveBytes     their capacities, summed
     * @param peakLiveBytes the most {@code liveBytes} has been
     * @param allocations   buffers this site ever got from the pools
     */
    record Site(String className, String method, long liveBuffers, long liveBytes, long peakLiveBytes,
                long allocations) {

        /** {@return {@code className.method}} */
        public String site() {
            return className + '.' + method;
        }
    }
}
