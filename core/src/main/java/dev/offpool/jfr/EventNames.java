package dev.offpool.jfr;

/** The names of offpool's JFR events, as {@code jfr print --events} and {@code offpool.jfc} spell them. */
final class EventNames {
    /** The category of every offpool event. */
    static final String CATEGORY = "offpool";

    static final String CHUNK_MAPPED = "offpool.ChunkMapped";
    static final String CHUNK_RELEASED = "offpool.ChunkReleased";
    static final String PAGES_DISCARDED = "offpool.PagesDiscarded";
    static final String ALLOCATION_FAILURE = "offpool.AllocationFailure";
    static final String INVALID_FREE = "offpool.InvalidFree";
    static final String ALLOCATION_SAMPLE = "offpool.AllocationSample";
    static final String SIZE_CLASS_OCCUPANCY = "offpool.SizeClassOccupancy";
    static final String ALLOCATOR_OCCUPANCY = "offpool.AllocatorOccupancy";
    static final String AGENT_REDIRECTS = "offpool.AgentRedirects";
    static final String AGENT_CALL_SITE = "offpool.AgentCallSite";
    static final String END_OF_CHUNK = "offpool.EndOfChunk";

    private EventNames() {
    }
}
