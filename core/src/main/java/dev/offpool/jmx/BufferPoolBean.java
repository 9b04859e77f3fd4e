package dev.offpool.jmx;

import dev.offpool.OffPool;
import dev.offpool.PoolStats;

import javax.management.ObjectName;
import java.lang.management.BufferPoolMXBean;

/**
 * One allocator in the form of the JDK's direct and mapped buffer pools, so monitoring that reads
 * {@code java.nio:type=BufferPool,*} sees offpool's memory too. Buffers the agent redirects into offpool are counted
 * by neither JDK pool; here they are.
 */
final class BufferPoolBean implements BufferPoolMXBean {
    private final OffPool pool;
    private final ObjectName objectName;

    BufferPoolBean(OffPool pool, ObjectName objectName) {
        this.pool = pool;
        this.objectName = objectName;
    }

    @Override
    public ObjectName getObjectName() {
        return objectName;
    }

    @Override
    public String getName() {
        return objectName.getKeyProperty("name");
    }

    /** {@return blocks callers hold, over all tiers: the JDK pool's number of buffers} */
    @Override
    public long getCount() {
        return AllocatorBean.blocksInUse(AllocatorBean.snapshot(pool));
    }

    /**
     * {@return bytes of the blocks callers hold: the JDK pool's total capacity} Whole blocks (a 60-byte request holds
     * a 64-byte block), huge blocks as requested.
     */
    @Override
    public long getTotalCapacity() {
        PoolStats s = AllocatorBean.snapshot(pool);
        return s.bytesInAllocatedBlocks() + s.large().bytesInLiveBlocks() + s.huge().bytesRequested();
    }

    /** {@return bytes reserved from the page source: the native memory the pool takes, as the JDK pool reports it} */
    @Override
    public long getMemoryUsed() {
        return AllocatorBean.snapshot(pool).reservedBytes();
    }
}
