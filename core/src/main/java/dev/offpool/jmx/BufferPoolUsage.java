package dev.offpool.jmx;

import dev.offpool.OffPool;
import dev.offpool.PoolStats;
import dev.offpool.spi.RedirectSource;

import java.util.Objects;
import java.util.Optional;

/**
 * One allocator's memory in the shape of the JDK's buffer pools ({@code java.nio:type=BufferPool}: count, total
 * capacity, memory used), counting only what the JDK's own pools do not, so that a dashboard adding up every pool
 * counts each byte once. What {@code java.nio:type=BufferPool,name=offpool} and the Micrometer binder report.
 *
 * <h2>Without double counting</h2>
 * Every buffer the agent redirects reserves its capacity in the JDK's direct-memory accounting, so the JDK's
 * {@code direct} pool counts it (its count, capacity and memory used). For the global allocator while the agent
 * runs ({@link RedirectSource#published()} is present), this record therefore holds the rest:
 * <ul>
 *   <li>{@link #memoryUsedBytes()}: bytes reserved from the page source less the redirected buffers' live bytes
 *   (the pools' overhead: slab and pool slack, free blocks, unused pools);</li>
 *   <li>{@link #totalCapacityBytes()}: bytes of the blocks callers hold less the redirected buffers' live bytes;</li>
 *   <li>{@link #count()}: blocks callers hold less the live redirected buffers, at least 0. Exact when each
 *   redirected buffer has a block of its own; with slabs (the agent's default for buffers of 512 bytes or less) one
 *   block carries many buffers, and the figure is a lower bound on the blocks the API's callers hold.</li>
 * </ul>
 * Each is at least 0. Any other allocator, and the global one without the agent, reports all of its memory: the
 * JDK's pools count none of it.
 *
 * @param count              blocks the JDK's pools do not count as buffers
 * @param totalCapacityBytes their bytes: whole blocks (a 100-byte request holds a 112-byte block), huge blocks as
 *                           requested
 * @param memoryUsedBytes    native memory the allocator holds that the JDK's pools do not report
 */
public record BufferPoolUsage(long count, long totalCapacityBytes, long memoryUsedBytes) {

    /**
     * {@return {@code pool}'s figures now, without what the JDK's {@code direct} pool counts} All 0 once the
     * allocator is closed.
     *
     * @param pool the allocator
     * @throws NullPointerException if {@code pool} is null
     */
    public static BufferPoolUsage of(OffPool pool) {
        Objects.requireNonNull(pool, "pool");
        PoolStats s = AllocatorBean.snapshot(pool);
        long count = AllocatorBean.blocksInUse(s);
        long capacity = s.bytesInAllocatedBlocks() + s.large().bytesInLiveBlocks() + s.huge().bytesRequested();
        long memory = s.reservedBytes();
        Optional<RedirectSource> agent = pool.name().equals(OffPool.GLOBAL_NAME) ? RedirectSource.published()
                : Optional.empty();
        if (agent.isPresent()) {
            RedirectSource.Totals redirected = agent.get().totals();
            count = Math.max(0, count - redirected.liveBuffers());
            capacity = Math.max(0, capacity - redirected.liveBytes());
            memory = Math.max(0, memory - redirected.liveBytes());
        }
        return new BufferPoolUsage(count, capacity, memory);
    }
}
