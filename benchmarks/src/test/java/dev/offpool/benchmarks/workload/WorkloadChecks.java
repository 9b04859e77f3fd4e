package dev.offpool.benchmarks.workload;

import dev.offpool.OffPool;
import dev.offpool.PoolStats;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every workload test checks of a run, and short settings for runs of a second or two. */
final class WorkloadChecks {
    private WorkloadChecks() {
    }

    static Workload.Settings settings(int threads, Duration duration, long liveBytes) {
        return new Workload.Settings(threads, duration, liveBytes, 42, Duration.ofMillis(50), 2);
    }

    /** The counts add up: live counted equals held walked, every block allocated was freed, and something ran. */
    static void assertCountsAddUp(RunResult result) {
        assertNull(result.failure(), () -> "a thread failed: " + result.failure());
        assertTrue(result.allocations() > 0, "nothing was allocated");
        assertEquals(result.heldBytesAtStop(), result.liveBytesAtStop(),
                "live bytes by the counts against bytes held in the stores at the stop");
        assertEquals(result.allocations(), result.frees(), "blocks allocated against blocks freed");
        assertEquals(result.allocatedBytes(), result.freedBytes(), "bytes allocated against bytes freed");
        assertTrue(result.addsUp());
        assertTrue(result.latency().getTotalCount() > 0, "no allocation was timed");
        assertTrue(!result.samples().isEmpty(), "no sample was taken");
    }

    /** The allocator itself holds no block any more, and its structure is sound. */
    static void assertPoolHoldsNoBlock(OffPool pool) {
        pool.verify();
        PoolStats stats = pool.stats();
        assertEquals(0, stats.bytesInAllocatedBlocks(), "pooled bytes still allocated");
        assertEquals(0, stats.large().liveBlocks(), "large blocks still live");
        assertEquals(0, stats.huge().blocks(), "huge blocks still mapped");
    }

    /** {@return the phases of the samples, each once, in the order they came} */
    static List<String> phases(RunResult result) {
        return result.samples().stream().map(RunResult.Sample::phase).distinct().toList();
    }
}
