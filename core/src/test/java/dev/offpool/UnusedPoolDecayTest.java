package dev.offpool;

import dev.offpool.spi.PageSource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unused pools keep their pages for the decay time, so a burst of frees refilled at once costs no page faults. */
class UnusedPoolDecayTest {
    private final AtomicLong discardedBytes = new AtomicLong();
    private final PageSource source = new PageSource() {
        private final PageSource jdk = new dev.offpool.internal.ArenaPageSource();

        @Override
        public MemorySegment reserve(long byteSize, long byteAlignment) {
            return jdk.reserve(byteSize, byteAlignment);
        }

        @Override
        public void release(MemorySegment chunk) {
            jdk.release(chunk);
        }

        @Override
        public boolean discard(MemorySegment chunk, long offset, long byteSize) {
            discardedBytes.addAndGet(byteSize);
            return true;
        }

        @Override
        public String name() {
            return "counting";
        }
    };

    private static List<Long> fill(OffPool pool, int blocks) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < blocks; i++) {
            out.add(pool.allocateAddress(64));
        }
        return out;
    }

    @Test
    void aBurstOfFreesRefilledWithinTheDecayDiscardsNothing() {
        try (OffPool pool = OffPool.builder().pageSource(source).threadCacheBytes(0).retainedUnusedPoolBytes(0)
                .unusedPoolDecay(Duration.ofHours(1)).build()) {
            List<Long> keep = fill(pool, 20_000);      // about 79 pools in use, so the allowance is 9 pools
            for (int round = 0; round < 20; round++) {
                List<Long> burst = fill(pool, 2_000);  // about 8 pools, emptied and refilled at once
                burst.forEach(pool::freeAddress);
            }
            assertEquals(0, discardedBytes.get(), "nothing idle for the decay time, nothing over the allowance");
            keep.forEach(pool::freeAddress);
            assertTrue(discardedBytes.get() > 0, "past the allowance the oldest go: " + pool.stats().toTable());
            pool.verify();
        }
    }

    @Test
    void poolsIdlePastTheDecayAreDiscardedAtTheNextRelease() throws Exception {
        try (OffPool pool = OffPool.builder().pageSource(source).threadCacheBytes(0)
                .retainedUnusedPoolBytes(64L << 20).unusedPoolDecay(Duration.ofMillis(50)).build()) {
            List<Long> burst = fill(pool, 5_000);
            long witness = pool.allocateAddress(1000); // a pool of another class in the same heap, released later
            burst.forEach(pool::freeAddress);
            assertEquals(0, discardedBytes.get(), "well inside the allowance, and not yet idle");
            Thread.sleep(120);
            pool.freeAddress(witness); // a release runs the decay check
            assertTrue(discardedBytes.get() >= 19 * OffPool.DEFAULT_POOL_SIZE_BYTES, "the idle pools went: "
                    + discardedBytes.get());
            pool.verify();
        }
    }
}
