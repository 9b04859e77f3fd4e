package dev.offpool.benchmarks.workload.peers;

import dev.offpool.OffPool;

import java.util.List;

/**
 * The peers of the workload study by name, in the order the results list them (offpool first).
 *
 * <p>Some need their JVM started in a certain way, which {@code benchmarks/workloads.sh} does: {@code jemalloc}
 * under {@code LD_PRELOAD=libjemalloc.so.2}; {@code agent-gc} and {@code agent-cleaner} with the offpool agent
 * ({@code -javaagent:agent/target/offpool-agent.jar=include=dev.offpool.benchmarks.workload.peers.DirectPeer*});
 * the Netty peers with {@code --sun-misc-unsafe-memory-access=allow} (Netty's fast buffers); all with
 * {@code --enable-native-access=ALL-UNNAMED}. A peer started without what it needs fails at creation with the fix in
 * its message.
 */
public final class Peers {
    /** Every peer's name. */
    public static final List<String> NAMES = List.of("offpool-raw", "offpool-segment", "agent-gc", "agent-cleaner",
            "direct-gc", "direct-cleaner", "glibc", "jemalloc", "mimalloc", "netty-pooled", "netty-adaptive",
            "arena");

    private Peers() {
    }

    /**
     * Prints {@link #NAMES}, one a line, for scripts that run every peer.
     *
     * @param args none
     */
    public static void main(String[] args) {
        NAMES.forEach(System.out::println);
    }

    /**
     * {@return the peer called {@code name}} The offpool peers use {@link OffPool#global()}, as an application does.
     *
     * @param name one of {@link #NAMES}
     * @throws IllegalArgumentException if {@code name} is not a peer's name, listing the names
     * @throws IllegalStateException    if the peer cannot run in this JVM (a library missing or not preloaded, the
     *                                  agent missing or present when it should not be), saying what to do
     */
    public static Peer create(String name) {
        return switch (name) {
            case "offpool-raw" -> OffPoolPeer.raw(OffPool.global());
            case "offpool-segment" -> OffPoolPeer.segment(OffPool.global());
            case "agent-gc" -> new DirectPeer(true, true);
            case "agent-cleaner" -> new DirectPeer(false, true);
            case "direct-gc" -> new DirectPeer(true, false);
            case "direct-cleaner" -> new DirectPeer(false, false);
            case "glibc" -> new MallocPeer(MallocPeer.Library.GLIBC);
            case "jemalloc" -> new MallocPeer(MallocPeer.Library.JEMALLOC);
            case "mimalloc" -> new MallocPeer(MallocPeer.Library.MIMALLOC);
            case "netty-pooled" -> NettyPeer.pooled();
            case "netty-adaptive" -> NettyPeer.adaptive();
            case "arena" -> new ArenaPeer();
            default -> throw new IllegalArgumentException("unknown peer '" + name + "'; peers: "
                    + String.join(", ", NAMES));
        };
    }
}
