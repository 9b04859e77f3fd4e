package dev.offpool.benchmarks.workload.report;

import dev.offpool.benchmarks.workload.peers.Peers;

import java.util.Comparator;
import java.util.List;

/** The order peers and workloads are listed in: as {@link Peers#NAMES}, and server, burst, fragmenter. */
final class PeerOrder {
    static final List<String> WORKLOADS = List.of("server", "burst", "fragmenter");

    /** Workload, then threads, then peer. */
    static final Comparator<RunData> RUNS = Comparator.<RunData>comparingInt(run -> workloadIndex(run.workload()))
            .thenComparing(RunData::workload).thenComparingInt(RunData::threads)
            .thenComparingInt(run -> index(run.peer())).thenComparing(RunData::peer);

    private PeerOrder() {
    }

    /** {@return the peer's place in {@link Peers#NAMES}, or past them all for a name it lacks} */
    static int index(String peer) {
        int index = Peers.NAMES.indexOf(peer);
        return index >= 0 ? index : Peers.NAMES.size();
    }

    private static int workloadIndex(String workload) {
        int index = WORKLOADS.indexOf(workload);
        return index >= 0 ? index : WORKLOADS.size();
    }
}
