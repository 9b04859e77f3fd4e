package dev.offpool.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.Registered;
import jdk.jfr.StackTrace;

/** What the offpool agent redirected and let fall back to the JDK during one period. */
@Name(EventNames.AGENT_REDIRECTS)
@Label("Agent Redirects")
@Category(EventNames.CATEGORY)
@Description("The offpool agent's allocateDirect calls during the last period: redirected into the pools, or left "
        + "to the JDK and why; and the redirected buffers live now")
@Period("5 s")
@StackTrace(false)
@Registered(false)
final class AgentRedirectsEvent extends jdk.jfr.Event {
    @Label("Redirected")
    @Description("Buffers served from the pools during the period")
    long redirected;

    @Label("Fell Back")
    @Description("Requests left to the JDK during the period because offpool could not serve them, for any reason")
    long fellBack;

    @Label("Fell Back: Over Limit")
    long fellBackOverLimit;

    @Label("Fell Back: Allocator Full")
    long fellBackAllocatorFull;

    @Label("Fell Back: Allocator Closed")
    long fellBackAllocatorClosed;

    @Label("Fell Back: Internal Error")
    long fellBackInternalError;

    @Label("Outside Size Range")
    @Description("Requests outside the configured size range, left to the JDK as configured, during the period")
    long outsideSizeRange;

    @Label("Freed By GC")
    long freedByGc;

    @Label("Freed Explicitly")
    long freedExplicitly;

    @Label("Release Failures")
    long releaseFailures;

    @Label("Live Buffers")
    @Description("Redirected buffers not freed yet, at the end of the period")
    long liveBuffers;

    @Label("Live Bytes")
    @DataAmount
    long liveBytes;

    @Label("Limit")
    @DataAmount
    long limitBytes;
}
