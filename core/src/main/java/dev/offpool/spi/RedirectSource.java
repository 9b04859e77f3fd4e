package dev.offpool.spi;

import java.util.List;

/**
 * What the offpool agent has redirected into the pools, as core's observability reads it: implemented by the agent
 * and handed to {@link dev.offpool.jmx.OffPoolMBeans#registerAgent(RedirectSource)}, which registers the
 * {@code dev.offpool:type=Agent} bean and feeds the {@code offpool.AgentRedirects} and {@code offpool.AgentCallSite}
 * JFR events while the registration is open.
 *
 * <p>Both methods are called from JMX and JFR threads, at most a few times a second each: they must be thread-safe
 * and must not block. Counters only grow except the live ones; each may be read while others move.
 */
public interface RedirectSource {
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
