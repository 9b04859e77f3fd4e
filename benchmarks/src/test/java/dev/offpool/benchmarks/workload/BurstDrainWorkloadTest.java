package dev.offpool.benchmarks.workload;

import dev.offpool.OffPool;
import dev.offpool.benchmarks.workload.RunResult.Sample;
import dev.offpool.benchmarks.workload.peers.OffPoolPeer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.offpool.benchmarks.workload.WorkloadChecks.assertCountsAddUp;
import static dev.offpool.benchmarks.workload.WorkloadChecks.assertPoolHoldsNoBlock;
import static dev.offpool.benchmarks.workload.WorkloadChecks.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BurstDrainWorkloadTest {
    private static final long LIVE_BYTES = 4L << 20;
    private static final double PEAK_FACTOR = 4;
    private static final double KEEP = 0.05;

    @Test
    void burstReachesItsPeakThenDrainsToTheKeptShareAndFreesEveryBlock() throws InterruptedException {
        try (OffPool pool = OffPool.builder().name("burst-test").build()) {
            BurstDrainWorkload workload = new BurstDrainWorkload(settings(1, Duration.ofMillis(1500), LIVE_BYTES),
                    0.5, PEAK_FACTOR, KEEP, 0.4, Duration.ofMillis(300));

            RunResult result = WorkloadRun.run(workload, OffPoolPeer.segment(pool), null);

            assertCountsAddUp(result);
            assertEquals(List.of("steady", "hold", "after"), WorkloadChecks.phases(result).stream()
                    .filter(phase -> List.of("steady", "hold", "after").contains(phase)).toList());
            long burstBytes = (long) ((PEAK_FACTOR - 1) * LIVE_BYTES);
            long peak = result.samples().stream().filter(sample -> sample.phase().equals("hold"))
                    .mapToLong(Sample::liveBytes).max().orElseThrow();
            assertTrue(peak >= LIVE_BYTES + burstBytes - 2L * SizeMix.SMALL_MAX_BYTES, "peak live bytes " + peak);
            // After the drain: the sessions, the kept share of the burst, and at most one request in flight.
            long slack = SizeMix.BODY_MAX_BYTES + 4L * SizeMix.IO_SIZES[SizeMix.IO_SIZES.length - 1];
            long afterDrain = result.liveBytesAtStop();
            assertTrue(afterDrain <= LIVE_BYTES + (long) (KEEP * (burstBytes + slack)) + slack,
                    "live bytes after the drain: " + afterDrain);
            assertTrue(afterDrain >= LIVE_BYTES - 2L * SizeMix.SMALL_MAX_BYTES,
                    "live bytes after the drain: " + afterDrain);
            assertPoolHoldsNoBlock(pool);
        }
    }
}
