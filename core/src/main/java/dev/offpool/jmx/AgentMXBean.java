package dev.offpool.jmx;

import dev.offpool.spi.RedirectSource;

import java.util.List;

/**
 * The offpool agent's counters and its top call sites, as {@code dev.offpool:type=Agent}: registered by
 * {@link OffPoolMBeans#registerAgent(RedirectSource)}. Each attribute read takes the counters afresh.
 */
public interface AgentMXBean {
    /** How many call sites {@link #getTopCallSites()} lists at most. */
    int TOP_CALL_SITES = 20;

    /** {@return buffers served from the pools} */
    long getRedirected();

    /** {@return requests that fell back to the JDK, for every reason} */
    long getFellBack();

    /** {@return requests that would have passed the agent's own limit} */
    long getFellBackOverLimit();

    /** {@return requests the allocator refused for lack of memory} */
    long getFellBackAllocatorFull();

    /** {@return requests made while the allocator was closed} */
    long getFellBackAllocatorClosed();

    /** {@return requests that failed inside the agent for any other reason} */
    long getFellBackInternalError();

    /** {@return requests outside the configured size range, left to the JDK} */
    long getOutsideSizeRange();

    /** {@return blocks freed once their buffer became unreachable} */
    long getFreedByGc();

    /** {@return blocks freed by an explicit call or a redirected {@code invokeCleaner}} */
    long getFreedExplicitly();

    /** {@return frees that failed inside the agent} */
    long getReleaseFailures();

    /** {@return redirected buffers not freed yet} */
    long getLiveBuffers();

    /** {@return their capacities, summed} */
    long getLiveBytes();

    /** {@return the most live bytes the agent redirects} */
    long getLimitBytes();

    /** {@return the {@value #TOP_CALL_SITES} call sites holding the most live bytes (then the most allocations)} */
    List<RedirectSource.Site> getTopCallSites();
}
