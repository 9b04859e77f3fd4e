package dev.offpool.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.Registered;
import jdk.jfr.StackTrace;

/** One size class of one allocator, as a row of the stats table: emitted every period. */
@Name(EventNames.SIZE_CLASS_OCCUPANCY)
@Label("Size Class Occupancy")
@Category(EventNames.CATEGORY)
@Description("Pools, blocks and bytes of one size class of one allocator (a row of its stats table); classes with no "
        + "pool and no cached block are left out")
@Period("5 s")
@StackTrace(false)
@Registered(false)
final class SizeClassOccupancyEvent extends jdk.jfr.Event {
    @Label("Allocator")
    String allocator;

    @Label("Size Class")
    int sizeClass;

    @Label("Block Size")
    @DataAmount
    int blockSize;

    @Label("Pool Size")
    @DataAmount
    int poolSize;

    @Label("Pools")
    int pools;

    @Label("Blocks In Use")
    @Description("Blocks held by callers (and pooled arenas)")
    long blocksInUse;

    @Label("Blocks Cached")
    @Description("Free blocks in thread caches")
    long blocksCached;

    @Label("Blocks Available")
    @Description("Free blocks in the class's pools, carved or not")
    long blocksAvailable;

    @Label("Bytes In Use")
    @DataAmount
    long bytesInUse;

    @Label("Bytes Cached")
    @DataAmount
    long bytesCached;

    @Label("Bytes Available")
    @DataAmount
    long bytesAvailable;
}
