package dev.offpool.jmx;

import dev.offpool.spi.RedirectSource;

import java.util.SortedMap;

/**
 * The offpool agent's counters and its top call sites, as {@code dev.offpool:type=Agent}: registered by
 * {@link OffPoolMBeans#registerAgent(RedirectSource)}. Each attribute read takes the counters afresh; each carries a
 * description and a unit.
 */
@Described("The offpool agent: allocateDirect calls redirected into the pools or left to the JDK and why, frees, "
        + "live redirected buffers, and the call sites holding the most live bytes")
public interface AgentMXBean {
    /** How many call sites {@link #getTopCallSites()} lists at most. */
    int TOP_CALL_SITES = 20;

    /** {@return buffers served from the pools} */
    @Described(value = "Buffers served from the pools (a counter)", unit = "buffers")
    long getRedirected();

    /** {@return requests at sites the agent leaves on the JDK's path, accounted but not redirected} */
    @Described(value = "Requests at sites the agent leaves on the JDK's path (long-lived buffers, or the user said "
            + "so), accounted but not redirected (a counter)", unit = "requests")
    long getKeptOnJdk();

    /** {@return requests that fell back to the JDK, for every reason} */
    @Described(value = "Requests that were to be redirected but fell back to the JDK, every reason (a counter)",
            unit = "requests")
    long getFellBack();

    /** {@return requests left to the JDK because the agent could not reserve them in the JDK's budget} */
    @Described(value = "Requests left to the JDK because the agent could not reserve them in the JDK's "
            + "direct-memory budget itself (a counter)", unit = "requests")
    long getFellBackOverLimit();

    /** {@return requests the allocator refused for lack of memory} */
    @Described(value = "Requests the allocator refused for lack of memory (a counter)", unit = "requests")
    long getFellBackAllocatorFull();

    /** {@return requests made while the allocator was closed} */
    @Described(value = "Requests made while the allocator was closed (a counter)", unit = "requests")
    long getFellBackAllocatorClosed();

    /** {@return requests that failed inside the agent for any other reason} */
    @Described(value = "Requests that failed inside the agent for any other reason (a counter)", unit = "requests")
    long getFellBackInternalError();

    /** {@return requests refused with the JDK's OutOfMemoryError at the direct-memory limit} */
    @Described(value = "Requests refused with the JDK's OutOfMemoryError at the direct-memory limit (a counter)",
            unit = "requests")
    long getRefusedAtLimit();

    /** {@return requests outside the configured size range, left to the JDK} */
    @Described(value = "Requests outside the configured size range, left to the JDK (a counter)", unit = "requests")
    long getOutsideSizeRange();

    /** {@return blocks freed once their buffer became unreachable} */
    @Described(value = "Redirected buffers freed once they became unreachable (a counter)", unit = "buffers")
    long getFreedByGc();

    /** {@return blocks freed by an explicit call or a redirected {@code invokeCleaner}} */
    @Described(value = "Redirected buffers freed by an explicit call or a redirected invokeCleaner (a counter)",
            unit = "buffers")
    long getFreedExplicitly();

    /** {@return frees that failed inside the agent} */
    @Described(value = "Frees that failed inside the agent (a counter)", unit = "frees")
    long getReleaseFailures();

    /** {@return redirected buffers not freed yet} */
    @Described(value = "Redirected buffers not freed yet", unit = "buffers")
    long getLiveBuffers();

    /** {@return their capacities, summed} */
    @Described(value = "The live redirected buffers' capacities, summed: what they hold of the JDK's direct-memory "
            + "budget", unit = "bytes")
    long getLiveBytes();

    /** {@return the JDK's direct-memory limit, which redirected and JDK buffers share} */
    @Described(value = "The JDK's direct-memory limit (-XX:MaxDirectMemorySize), which redirected and JDK buffers "
            + "share", unit = "bytes")
    long getLimitBytes();

    /**
     * {@return the {@value #TOP_CALL_SITES} call sites holding the most live bytes (then the most allocations), one
     * row each keyed by {@link RedirectSource.Site#site()}, {@code className.method:line}} JMX shows it as
     * {@code TabularData}, a row per key, so Prometheus' JMX exporter gives each site its series with the site as the
     * {@code key} label.
     */
    @Described("The 20 call sites holding the most live bytes, keyed by className.method:line: class, method, line, "
            + "live buffers and bytes, peak, allocations, fallbacks, whether redirected and why")
    SortedMap<String, RedirectSource.Site> getTopCallSites();
}
