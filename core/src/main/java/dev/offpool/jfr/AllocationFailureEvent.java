package dev.offpool.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Registered;

/** An allocation refused with {@code OutOfPoolMemoryException}, after cached memory was given back. */
@Name(EventNames.ALLOCATION_FAILURE)
@Label("Allocation Failure")
@Category(EventNames.CATEGORY)
@Description("An allocation the reserved-bytes limit or the page source refused (OutOfPoolMemoryException); the stack "
        + "trace is the caller's")
@Registered(false)
final class AllocationFailureEvent extends jdk.jfr.Event {
    @Label("Allocator")
    String allocator;

    @Label("Requested Size")
    @DataAmount
    long requestedBytes;

    @Label("Alignment")
    @DataAmount
    long alignment;

    @Label("Limit Reached")
    @Description("True if the reserved-bytes limit refused; false if the page source could not supply the memory")
    boolean limitReached;

    @Label("Reserved")
    @Description("Bytes reserved from the page source when the request failed")
    @DataAmount
    long reservedBytes;

    @Label("Reserved Limit")
    @Description("The reserved-bytes limit; 9223372036854775807 bytes means none")
    @DataAmount
    long reservedBytesLimit;

    @Label("Message")
    String message;
}
