package dev.offpool.jmx;

import dev.offpool.OffPool;

import javax.management.ObjectName;
import java.lang.management.BufferPoolMXBean;

/**
 * One allocator in the form of the JDK's direct and mapped buffer pools, so monitoring that reads
 * {@code java.nio:type=BufferPool,*} sees offpool's memory too, without counting twice what the JDK's {@code direct}
 * pool counts already: the figures are {@link BufferPoolUsage}'s.
 */
@Described("offpool's memory in the shape of the JDK's buffer pools, without what the JDK's direct pool counts "
        + "already (buffers the agent redirects): add it to direct and mapped for the process's buffer memory")
final class BufferPoolBean extends DescribedMBean implements BufferPoolMXBean {
    private final OffPool pool;
    private final ObjectName objectName;

    BufferPoolBean(OffPool pool, ObjectName objectName) {
        super(BufferPoolMXBean.class);
        this.pool = pool;
        this.objectName = objectName;
    }

    @Override
    @Described("The bean's object name")
    public ObjectName getObjectName() {
        return objectName;
    }

    @Override
    @Described("The pool's name: offpool for the global allocator, offpool-<name> for another")
    public String getName() {
        return objectName.getKeyProperty("name");
    }

    @Override
    @Described(value = "Blocks offpool holds for callers that the JDK's pools do not count as buffers (with the "
            + "agent: less the live redirected buffers, which the direct pool counts)", unit = "buffers")
    public long getCount() {
        return BufferPoolUsage.of(pool).count();
    }

    @Override
    @Described(value = "Bytes of those blocks (with the agent: less the redirected buffers' live bytes)",
            unit = "bytes")
    public long getTotalCapacity() {
        return BufferPoolUsage.of(pool).totalCapacityBytes();
    }

    @Override
    @Described(value = "Native memory offpool holds that the JDK's pools do not report: bytes reserved from the "
            + "page source (with the agent: less the redirected buffers' live bytes)", unit = "bytes")
    public long getMemoryUsed() {
        return BufferPoolUsage.of(pool).memoryUsedBytes();
    }
}
