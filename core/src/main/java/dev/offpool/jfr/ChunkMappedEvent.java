package dev.offpool.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.Registered;

/** An arena, large chunk or huge block's mapping taken from the page source. */
@Name(EventNames.CHUNK_MAPPED)
@Label("Chunk Mapped")
@Category(EventNames.CATEGORY)
@Description("Memory taken from the page source: a pool arena, a large-tier chunk, or a huge block's own mapping")
@Registered(false)
final class ChunkMappedEvent extends jdk.jfr.Event {
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
    @Description("Bytes the allocator has reserved from its page source once this chunk is counted, over all tiers")
    @DataAmount
    long reservedBytes;
}
