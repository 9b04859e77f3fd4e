package dev.offpool.benchmarks.workload;

import dev.offpool.OffPool;
import dev.offpool.benchmarks.workload.peers.OffPoolPeer;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.offpool.benchmarks.workload.WorkloadChecks.assertCountsAddUp;
import static dev.offpool.benchmarks.workload.WorkloadChecks.assertPoolHoldsNoBlock;
import static dev.offpool.benchmarks.workload.WorkloadChecks.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FragmenterWorkloadTest {
    private static final long LIVE_BYTES = 2L << 20;

    @Test
    void fragmenterKeepsItsPinnedBudgetAndFreesEveryBlockAtTheEnd() throws InterruptedException {
        try (OffPool pool = OffPool.builder().name("fragmenter-test").build()) {
            FragmenterWorkload workload = new FragmenterWorkload(settings(2, Duration.ofSeconds(1), LIVE_BYTES), 16,
                    16 * 1024, 20);

            RunResult result = WorkloadRun.run(workload, OffPoolPeer.raw(pool), null);

            assertCountsAddUp(result);
            assertTrue(result.requests() > 0, "no request was served between waves");
            // Each worker keeps at most its share of the budget; nothing else outlives a wave or a request.
            assertTrue(result.liveBytesAtStop() <= LIVE_BYTES, "kept bytes at stop: " + result.liveBytesAtStop());
            assertTrue(result.liveBytesAtStop() > 0, "no block was kept");
            assertPoolHoldsNoBlock(pool);
        }
    }

    @Test
    void aWaveSpansSixteenBytesToQuarterMebibyteTwoSizesPerPowerOfTwo() {
        assertEquals(29, FragmenterWorkload.SIZES.length);
        assertEquals(16, FragmenterWorkload.SIZES[0]);
        assertEquals(24, FragmenterWorkload.SIZES[1]);
        assertEquals(256 * 1024, FragmenterWorkload.SIZES[28]);
    }
}
