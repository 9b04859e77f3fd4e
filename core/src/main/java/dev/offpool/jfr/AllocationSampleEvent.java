package dev.offpool.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.Registered;
import jdk.jfr.SettingDefinition;

/**
 * One allocation in a sample of them, with its caller's stack: where the off-heap memory is allocated.
 *
 * <p>Its {@code throttle} setting is offpool's {@link AllocationSampleRate}, not JFR's {@code @Throttle}, which JFR
 * ignores when the agent has put this class on the bootstrap class path; that class says why.
 */
@Name(EventNames.ALLOCATION_SAMPLE)
@Label("Allocation Sample")
@Category(EventNames.CATEGORY)
@Description("A throttled sample of allocate and allocateAddress calls, with the caller's stack trace; off by default")
@Enabled(false)
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

    /**
     * Declares the {@code throttle} setting; JFR hands its value to {@link AllocationSampleRate#setValue}. Always
     * true: {@link AllocationSampler} applies the rate itself, because JFR skips this method for a class on the
     * bootstrap class path.
     *
     * @param rate the setting's control
     * @return true
     */
    @Name("throttle")
    @Label("Throttle")
    @Description("At most this many samples per time unit, such as 100/s; off for every allocation")
    @SettingDefinition
    boolean throttle(AllocationSampleRate rate) {
        return true;
    }
}
