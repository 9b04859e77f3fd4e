package dev.offpool.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.Registered;
import jdk.jfr.Threshold;

/**
 * The pages of a run of neighbouring unused pools handed back to the OS, their address space kept; a duration event
 * (the page source's discard call, madvise with native-bridge), recorded when the call takes at least its threshold.
 *
 * <p>Why a threshold: a churning application discards hundreds of runs a second, each in microseconds, and an event
 * per run filled recordings with nothing a user acts on. {@code offpool.AllocatorOccupancy} counts every discard
 * ({@code poolsDiscarded}, per period); this event, at its default 10 ms, names the discards that were slow (the
 * OS's memory-map lock contended, say). A threshold of 0 ms records every one.
 */
@Name(EventNames.PAGES_DISCARDED)
@Label("Pages Discarded")
@Category(EventNames.CATEGORY)
@Description("Unused pools' pages handed back to the OS through the page source (madvise with native-bridge), "
        + "when the call took at least the threshold; the pools stay reserved in their arena")
@Threshold("10 ms")
@Registered(false)
final class PagesDiscardedEvent extends jdk.jfr.Event {
    @Label("Allocator")
    String allocator;

    @Label("Address")
    @MemoryAddress
    long address;

    @Label("Size")
    @DataAmount
    long bytes;

    @Label("Pools")
    @Description("Neighbouring unused pools discarded in this one call")
    int pools;

    @Label("Pool Size")
    @DataAmount
    int poolSize;
}
