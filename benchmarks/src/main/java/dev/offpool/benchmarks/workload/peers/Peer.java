package dev.offpool.benchmarks.workload.peers;

/**
 * One allocator under test, as the workloads drive it: it makes {@link Blocks} stores, and says how many bytes it
 * holds by its own count, where it keeps one.
 *
 * {@snippet :
 * try (Peer peer = Peers.create("offpool-raw")) {
 *     Blocks sessions = peer.newBlocks(1024, Lifetime.OWN_THREAD);
 *     sessions.allocate(0, 300);
 *     sessions.free(0);
 * }
 * }
 *
 * <p>Each peer is given its best: critical downcalls for the C allocators, thread caches for every thread in
 * Netty, one JDK arena per lifetime where the lifetime fits an arena. Every peer hands out zeroed blocks; those
 * whose allocation does not zero do it right after (see each peer's description).
 */
public interface Peer extends AutoCloseable {
    /** {@return the peer's name on the command line and in the results, e.g. {@code offpool-raw}} */
    String name();

    /** {@return one line on how this peer allocates, zeroes and frees} */
    String description();

    /**
     * {@return a new, empty store of {@code capacity} slots for blocks of this peer}
     *
     * @param capacity the number of slots, at least 1
     * @param lifetime how its blocks will die
     * @throws IllegalArgumentException if {@code capacity} is below 1
     */
    Blocks newBlocks(int capacity, Lifetime lifetime);

    /**
     * {@return the bytes the allocator reports holding now by its own count, or -1 when it keeps none} offpool:
     * bytes reserved from the page source; Netty: its used direct memory; the JDK: its direct buffer pool's memory
     * used.
     */
    long allocatorBytes();

    /** Releases what the peer itself holds (not the blocks of its stores, which their owners free first). */
    @Override
    default void close() {
    }
}
