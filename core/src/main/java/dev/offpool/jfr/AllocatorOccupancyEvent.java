package dev.offpool.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Percentage;
import jdk.jfr.Period;
import jdk.jfr.Registered;
import jdk.jfr.StackTrace;

/** Where one allocator's bytes are, in the accounting of CPython's {@code _debugmallocstats}: every period. */
@Name(EventNames.ALLOCATOR_OCCUPANCY)
@Label("Allocator Occupancy")
@Category(EventNames.CATEGORY)
@Description("One allocator's bytes: in use vs reserved vs resident, and where every byte of its pool arenas went")
@Period("5 s")
@StackTrace(false)
@Registered(false)
final class AllocatorOccupancyEvent extends jdk.jfr.Event {
    @Label("Allocator")
    String allocator;

    @Label("Page Source")
    String pageSource;

    @Label("In Use")
    @Description("Bytes of blocks callers hold, over all tiers (whole blocks; huge blocks as mapped)")
    @DataAmount
    long bytesInUse;

    @Label("Reserved")
    @Description("Bytes reserved from the page source, over all tiers")
    @DataAmount
    long reservedBytes;

    @Label("Reserved Limit")
    @Description("The reserved-bytes limit; N/A (Long.MIN_VALUE) when there is none")
    @DataAmount
    long reservedBytesLimit;

    @Label("Resident At Most")
    @Description("Reserved bytes less the unused pools' pages handed back to the OS: an upper bound on resident bytes")
    @DataAmount
    long residentBytesAtMost;

    @Label("Arenas")
    long arenas;

    @Label("Bytes In Arenas")
    @DataAmount
    long bytesInArenas;

    @Label("In Allocated Blocks")
    @DataAmount
    long bytesInAllocatedBlocks;

    @Label("In Thread Caches")
    @DataAmount
    long bytesInCachedBlocks;

    @Label("In Available Blocks")
    @DataAmount
    long bytesInAvailableBlocks;

    @Label("In Unused Pools")
    @DataAmount
    long bytesInUnusedPools;

    @Label("In Discarded Pools")
    @Description("Of the unused pools' bytes, those whose pages are handed back to the OS now")
    @DataAmount
    long bytesInDiscardedPools;

    @Label("Pools Discarded")
    @Description("Unused pools whose pages went back to the OS since this allocator's previous event of this type")
    long poolsDiscarded;

    @Label("Lost To Quantization")
    @DataAmount
    long bytesLostToQuantization;

    @Label("Large Chunks")
    long largeChunks;

    @Label("Large Live Bytes")
    @DataAmount
    long largeLiveBytes;

    @Label("Large Free Bytes")
    @DataAmount
    long largeFreeBytes;

    @Label("Large Fragmentation")
    @Description("Share of the large tier's free bytes outside its largest free block")
    @Percentage
    double largeFragmentation;

    @Label("Huge Blocks")
    long hugeBlocks;

    @Label("Huge Mapped Bytes")
    @DataAmount
    long hugeMappedBytes;

    @Label("Java-Heap Metadata")
    @Description("Estimated Java-heap bytes of the pool tiers' bookkeeping")
    @DataAmount
    long heapMetadataBytes;
}
