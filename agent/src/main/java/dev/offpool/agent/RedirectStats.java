package dev.offpool.agent;

/**
 * The agent's redirect counters, as {@link Redirects#stats()} reads them.
 *
 * <p>Every {@code allocateDirect} call at an instrumented site ends in exactly one of: {@code redirected},
 * {@code outsideSizeRange} (the JDK's path, as configured), or one of the four {@code fellBack...} counters (the JDK's
 * path because offpool could not serve it). Every redirected buffer is later counted once in {@code freedByGc} or
 * {@code freedExplicitly}, or is still live.
 *
 * @param redirected              buffers served from offpool's pools
 * @param outsideSizeRange        requests outside {@code minBytes..maxBytes}, left to the JDK
 * @param fellBackOverLimit       requests that would have taken the redirected bytes past {@code limit}
 * @param fellBackAllocatorFull   requests offpool refused for lack of memory (its reserved-bytes limit, or the page
 *                                source could not map more)
 * @param fellBackAllocatorClosed requests made while the allocator was closed
 * @param fellBackInternalError   requests that failed inside the agent for any other reason
 * @param freedByGc               blocks freed after their buffer and every view of it became unreachable
 * @param freedExplicitly         blocks freed by {@link Redirects#free} or a redirected {@code Unsafe.invokeCleaner}
 * @param releaseFailures         frees that failed inside the agent (a bug: the report names the first error); the
 *                                caller was not affected
 * @param liveBuffers             redirected buffers whose blocks are not freed yet
 * @param liveBytes               the capacities of those buffers, summed
 * @param limitBytes              the {@code limit} option: the most {@code liveBytes} may reach
 */
public record RedirectStats(long redirected, long outsideSizeRange, long fellBackOverLimit, long fellBackAllocatorFull,
                            long fellBackAllocatorClosed, long fellBackInternalError, long freedByGc,
                            long freedExplicitly, long releaseFailures, long liveBuffers, long liveBytes,
                            long limitBytes) {

    /** {@return the requests that fell back to the JDK, for every reason} */
    public long fellBack() {
        return fellBackOverLimit + fellBackAllocatorFull + fellBackAllocatorClosed + fellBackInternalError;
    }
}
