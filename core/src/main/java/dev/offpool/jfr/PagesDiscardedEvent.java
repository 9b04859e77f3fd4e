package dev.offpool.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.Registered;

/** The pages of a run of neighbouring unused pools handed back to the OS, their address space kept. */
@Name(EventNames.PAGES_DISCARDED)
@Label("Pages Discarded")
@Category(EventNames.CATEGORY)
@Description("Unused pools' pages handed back to the OS through the page source (madvise with native-bridge); the "
        + "pools stay reserved in their arena")
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
