package dev.offpool.agent;

/**
 * One call site's share of the redirected buffers: a method of the application that calls
 * {@code ByteBuffer.allocateDirect}, as the agent saw it when it instrumented the class.
 *
 * <p>Counts are read one by one while other threads allocate, so under load they may disagree by the allocations in
 * flight; each on its own is exact.
 *
 * @param className     the binary name of the class
 * @param method        the method's name and parameter types, such as {@code read(int, ByteBuffer)}
 * @param liveBuffers   redirected buffers from this site whose blocks are not freed yet
 * @param liveBytes     the capacities of those buffers, summed
 * @param peakLiveBytes the most {@code liveBytes} has been
 * @param allocations   buffers this site ever got from the pools (fallbacks to the JDK are not counted)
 */
public record SiteStats(String className, String method, long liveBuffers, long liveBytes, long peakLiveBytes,
                        long allocations) {

    /** {@return {@code className.method}, as the report prints it} */
    public String site() {
        return className + '.' + method;
    }
}
