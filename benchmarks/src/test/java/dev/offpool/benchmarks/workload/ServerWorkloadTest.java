package dev.offpool.benchmarks.workload;

import dev.offpool.OffPool;
import dev.offpool.benchmarks.workload.peers.ArenaPeer;
import dev.offpool.benchmarks.workload.peers.OffPoolPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.offpool.benchmarks.workload.WorkloadChecks.assertCountsAddUp;
import static dev.offpool.benchmarks.workload.WorkloadChecks.assertPoolHoldsNoBlock;
import static dev.offpool.benchmarks.workload.WorkloadChecks.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerWorkloadTest {
    private static final long LIVE_BYTES = 4L << 20;

    @Test
    void serverOnOffpoolRawFillsItsSessionsServesRequestsAndFreesEveryBlock(@TempDir Path out)
            throws InterruptedException, IOException {
        try (OffPool pool = OffPool.builder().name("server-test").build()) {
            ServerWorkload workload = new ServerWorkload(settings(2, Duration.ofSeconds(1), LIVE_BYTES), 0.5);

            RunResult result = WorkloadRun.run(workload, OffPoolPeer.raw(pool), out);

            assertCountsAddUp(result);
            assertTrue(result.requests() > 0, "no request was served");
            // The sessions fill to the budget and stay there; a request's blocks are all gone between requests.
            assertTrue(result.liveBytesAtStop() >= LIVE_BYTES - 2 * SizeMix.SMALL_MAX_BYTES
                    && result.liveBytesAtStop() <= LIVE_BYTES, "live at stop: " + result.liveBytesAtStop());
            assertEquals(List.of("run"), WorkloadChecks.phases(result).stream()
                    .filter(phase -> !phase.equals("fill")).toList());
            assertPoolHoldsNoBlock(pool);

            String run = RunFiles.runName("server", "offpool-raw", 2);
            List<String> summaryKeys = Files.readAllLines(RunFiles.summary(out, run)).stream().skip(1)
                    .map(line -> line.substring(0, line.indexOf(','))).toList();
            assertEquals(RunFiles.SUMMARY_KEYS, summaryKeys.subList(0, RunFiles.SUMMARY_KEYS.size()));
            List<String> series = Files.readAllLines(RunFiles.samples(out, run));
            assertEquals(String.join(",", RunFiles.SAMPLE_COLUMNS), series.getFirst());
            assertEquals(result.samples().size(), series.size() - 1);
            assertEquals("percentile,latency_ns", Files.readAllLines(RunFiles.percentiles(out, run)).getFirst());
        }
    }

    @Test
    void serverOnJdkArenasClosesEachArenaOnTheThreadItBelongsTo() throws InterruptedException {
        ServerWorkload workload = new ServerWorkload(settings(2, Duration.ofMillis(500), LIVE_BYTES / 4), 0.5);

        RunResult result = WorkloadRun.run(workload, new ArenaPeer(), null);

        // A confined arena closed on another thread would have thrown WrongThreadException: the run would have failed.
        assertCountsAddUp(result);
    }
}
