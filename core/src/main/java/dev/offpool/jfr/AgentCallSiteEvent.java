package dev.offpool.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.Registered;
import jdk.jfr.StackTrace;

/** One call site of the agent's redirected buffers, each period it allocated or holds memory. */
@Name(EventNames.AGENT_CALL_SITE)
@Label("Agent Call Site")
@Category(EventNames.CATEGORY)
@Description("A method whose allocateDirect calls the offpool agent redirects: its allocations during the last "
        + "period and the memory it holds; emitted for sites that allocated or hold live bytes, when the agent keeps "
        + "call sites")
@Period("5 s")
@StackTrace(false)
@Registered(false)
final class AgentCallSiteEvent extends jdk.jfr.Event {
    @Label("Call Site")
    @Description("class.method(parameter types)")
    String site;

    @Label("Allocations")
    @Description("Buffers this site got from the pools during the period")
    long allocations;

    @Label("Live Buffers")
    long liveBuffers;

    @Label("Live Bytes")
    @DataAmount
    long liveBytes;

    @Label("Peak Live Bytes")
    @DataAmount
    long peakLiveBytes;
}
