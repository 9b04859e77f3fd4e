package dev.offpool.agent.redirect;

/**
 * What the redirect runtime needs to know, read once from the agent's options at start.
 *
 * @param minBytes             the smallest request redirected, at least 1
 * @param maxBytes             the largest request redirected, at least {@code minBytes}
 * @param slabMaxBytes         the largest request carved from a slab ({@link SlabAllocator}), 0 to
 *                             {@link #MAX_SLAB_MAX_BYTES}; 0 gives every buffer a block of its own
 * @param sites                whether each call site keeps its own counters
 * @param regionScope          true: buffers are views of the block's segment, bound to the scope of the region its
 *                             block lies in; false: views of the block through a global-scope segment, as unscoped
 *                             as the JDK's own direct buffers
 * @param reportIntervalMillis how often the report is written; 0 writes it only at exit
 * @param reportTo             {@code "stderr"} or a file path the report is appended to
 * @param injectFault          when true every redirect fails inside the runtime (a testing aid that exercises the
 *                             fallback; set by the {@code offpool.agentFault=allocate} system property)
 * @param jmx                  whether the global allocator's and the agent's JMX beans are registered
 * @param mapTo                a file the global allocator's occupancy map is written to at exit and with every
 *                             periodic report, or null for none
 */
public record RedirectConfig(int minBytes, int maxBytes, int slabMaxBytes, boolean sites,
                             boolean regionScope, long reportIntervalMillis, String reportTo, boolean injectFault,
                             boolean jmx, String mapTo) {

    /** The {@code reportTo} value that selects standard error. */
    public static final String STDERR = "stderr";
    /**
     * The default {@code slabMaxBytes}: where slabs stop paying. Measured (agent/README.md, "Small buffers: slabs"):
     * 8 to 22 times faster than the JDK GC-freed up to 512 bytes; from 1 KiB the off-heap bytes that wait for the GC
     * in slabs outgrow what is saved. Also the pools' small-tier bound.
     */
    public static final int DEFAULT_SLAB_MAX_BYTES = 512;
    /**
     * The largest {@code slabMaxBytes}: an eighth of a slab, so a slab holds at least 8 buffers and the tail a full
     * slab leaves unused (less than one request) stays under an eighth of it. A compile-time constant, so the
     * option parser reads it without loading this class before the runtime is on the bootstrap class path.
     */
    public static final int MAX_SLAB_MAX_BYTES = Slab.SLAB_BYTES / 8;

    /**
     * Checks the values fit together.
     *
     * @throws IllegalArgumentException naming the first value that does not
     */
    public RedirectConfig {
        if (minBytes < 1) {
            throw new IllegalArgumentException("minBytes must be at least 1, was " + minBytes);
        }
        if (maxBytes < minBytes) {
            throw new IllegalArgumentException("maxBytes " + maxBytes + " is below minBytes " + minBytes);
        }
        if (slabMaxBytes < 0 || slabMaxBytes > MAX_SLAB_MAX_BYTES) {
            throw new IllegalArgumentException("slabMaxBytes must be 0.." + MAX_SLAB_MAX_BYTES + ", was "
                    + slabMaxBytes);
        }
        if (reportIntervalMillis < 0) {
            throw new IllegalArgumentException("report interval must not be negative, was " + reportIntervalMillis);
        }
        if (reportTo == null || reportTo.isEmpty()) {
            throw new IllegalArgumentException("reportTo must be stderr or a file path");
        }
        if (mapTo != null && mapTo.isEmpty()) {
            throw new IllegalArgumentException("map must be a file path");
        }
    }
}
