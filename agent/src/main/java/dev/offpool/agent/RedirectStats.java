package dev.offpool.agent;

/**
 * The agent's redirect counters, as {@link Redirects#stats()} reads them.
 *
 * <p>Every {@code allocateDirect} call at an instrumented site ends in exactly one of: {@code redirected},
 * {@code outsideSizeRange} (the JDK's path, as configured), or one of the four {@code fellBack...} counters (the JDK's
 * path because offpool could not serve it). Every redirected buffer is later counted once in {@code freedByGc} or
 * {@code freedExplicitly}, or is still live.
 *
 * <p>Small buffers (up to {@code slabMaxBytes}) are carved from slabs, 32 KiB blocks whose memory goes back whole
 * (agent/README.md, "Small buffers: slabs"): one is counted in {@code freedExplicitly} when it is freed, and in
 * {@code freedByGc} when its slab goes back while it was never freed; until then it is live, even once unreachable.
 * {@code liveBytes} counts a slab's 32 KiB from the moment it is taken until it goes back, whatever its buffers.
 *
 * @param redirected              buffers served from offpool's pools
 * @param outsideSizeRange        requests outside {@code minBytes..maxBytes}, left to the JDK
 * @param fellBackOverLimit       requests that would have taken the redirected bytes past {@code limit}
 * @param fellBackAllocatorFull   requests offpool refused for lack of memory (its reserved-bytes limit, or the page
 *                                source could not map more)
 * @param fellBackAllocatorClosed requests made while the allocator was closed
 * @param fellBackInternalError   requests that failed inside the agent for any other reason
 * @param freedByGc               buffers whose memory went back after they and every view of them became
 *                                unreachable
 * @param freedExplicitly         buffers freed by {@link Redirects#free} or a redirected {@code Unsafe.invokeCleaner}
 * @param releaseFailures         frees that failed inside the agent (a bug: the report names the first error); the
 *                                caller was not affected
 * @param liveBuffers             redirected buffers neither freed explicitly nor gone back with the GC
 * @param liveBytes               the bytes redirected buffers hold against the limit: the capacities of the buffers
 *                                with blocks of their own not freed yet, plus 32 KiB per slab not gone back yet
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
