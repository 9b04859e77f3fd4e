package dev.offpool.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.Registered;
import jdk.jfr.Throttle;

/** One allocation in a sample of them, with its caller's stack: where the off-heap memory is allocated. */
@Name(EventNames.ALLOCATION_SAMPLE)
@Label("Allocation Sample")
@Category(EventNames.CATEGORY)
@Description("A throttled sample of allocate and allocateAddress calls, with the caller's stack trace; off by default")
@Enabled(false)
@Throttle("100/s")
@Registered(false)
final class AllocationSampleEvent extends jdk.jfr.Event {
    @Label("Allocator")
    String allocator;

    @Label("Requested Size")
    @DataAmount
    long requestedBytes;

    @Label("Address")
    @MemoryAddress
    long address;
}
