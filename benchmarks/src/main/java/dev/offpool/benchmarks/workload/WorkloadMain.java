package dev.offpool.benchmarks.workload;

import dev.offpool.benchmarks.workload.Arguments.Option;
import dev.offpool.benchmarks.workload.peers.Peer;
import dev.offpool.benchmarks.workload.peers.Peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The {@code main} every workload program shares: reads the options, makes the peer, runs, prints one line of
 * figures, and exits 0 when the run's counts add up, 1 when they do not or a thread failed, 2 on a bad command line
 * or a peer that cannot run in this JVM (the message says why).
 */
final class WorkloadMain {
    private WorkloadMain() {
    }

    static void main(String program, List<Option> ownOptions, Function<Arguments, Workload> factory, String[] args) {
        List<Option> options = new ArrayList<>(Workload.COMMON_OPTIONS);
        options.addAll(ownOptions);
        if (Arguments.wantsHelp(args)) {
            System.out.print(new Arguments(program, options).usage());
            return;
        }
        int status;
        try {
            Arguments arguments = new Arguments(program, options, args);
            Workload workload = factory.apply(arguments);
            Path directory = Path.of(arguments.text("out"));
            Files.createDirectories(directory);
            try (Peer peer = Peers.create(arguments.text("peer"))) {
                RunResult result = WorkloadRun.run(workload, peer, directory);
                System.out.println(line(workload, peer, result));
                status = result.addsUp() ? 0 : 1;
                if (result.failure() != null) {
                    result.failure().printStackTrace();
                } else if (status != 0) {
                    System.err.println(program + ": the counts do not add up: live " + result.liveBytesAtStop()
                            + " B counted against " + result.heldBytesAtStop() + " B held; " + result.leakedBytes()
                            + " B leaked; " + result.allocations() + " allocations, " + result.frees() + " frees");
                }
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println(e.getMessage());
            status = 2;
        } catch (IOException e) {
            System.err.println(program + ": " + e);
            status = 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = 1;
        }
        // Some peers start threads of their own (Netty, the agent's JMX); the run is over either way.
        System.exit(status);
    }

    private static String line(Workload workload, Peer peer, RunResult result) {
        double seconds = workload.settings().duration().toMillis() / 1000.0;
        return String.format(Locale.ROOT, "%s %s t%d: %,d allocations (%,.0f/s), p50 %,d ns, p99 %,d ns, p99.9 %,d ns,"
                        + " max %,d ns, %d GCs (%d ms, %d System.gc), counts %s",
                workload.name(), peer.name(), workload.settings().threads(), result.allocations(),
                result.allocations() / seconds, result.latency().getValueAtPercentile(50),
                result.latency().getValueAtPercentile(99), result.latency().getValueAtPercentile(99.9),
                result.latency().getMaxValue(), result.gc().collections(), result.gc().pauseMillis(),
                result.gc().systemGcs(), result.addsUp() ? "add up" : "DO NOT ADD UP");
    }
}
