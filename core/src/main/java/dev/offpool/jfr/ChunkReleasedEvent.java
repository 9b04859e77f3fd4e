package dev.offpool.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.Registered;

/** An arena, large chunk or huge block's mapping given back to the page source. */
@Name(EventNames.CHUNK_RELEASED)
@Label("Chunk Released")
@Category(EventNames.CATEGORY)
@Description("Memory given back to the page source: an empty arena, a free large chunk, a freed huge block, or "
        + "everything at close")
@Registered(false)
final class ChunkReleasedEvent extends jdk.jfr.Event {
    @Label("Allocator")
    String allocator;

    @Label("Kind")
    @Description("arena, large chunk or huge block")
    String kind;

    @Label("Address")
    @MemoryAddress
    long address;

    @Label("Size")
    @DataAmount
    long bytes;

    @Label("Page Source")
    String pageSource;

    @Label("Reserved After")
    @Description("Bytes the allocator still has reserved from its page source, over all tiers")
    @DataAmount
    long reservedBytes;
}
