package dev.offpool.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.Registered;

/** A free or reallocate of something that is not a live block, rejected with {@code InvalidFreeException}. */
@Name(EventNames.INVALID_FREE)
@Label("Invalid Free")
@Category(EventNames.CATEGORY)
@Description("A free or reallocate the allocator rejected (InvalidFreeException: double free, foreign address, "
        + "interior pointer, wrong size, a pooled Arena's block); nothing changed; the stack trace is the caller's")
@Registered(false)
final class InvalidFreeEvent extends jdk.jfr.Event {
    @Label("Allocator")
    String allocator;

    @Label("Operation")
    @Description("free or reallocate")
    String operation;

    @Label("Address")
    @MemoryAddress
    long address;

    @Label("Segment Size")
    @Description("The size in bytes of the segment passed in; -1 on the raw-address path, which has no segment")
    long segmentBytes;

    @Label("Problem")
    @Description("What the address was instead of a live block")
    String problem;
}
