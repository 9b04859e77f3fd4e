package dev.offpool.agent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A redirected buffer behaves as the JDK's, is released exactly once, and the selection and fallbacks hold. */
class RedirectedBufferIT {

    @Test
    void redirectedBuffersBehaveAsTheJdksAndUseTheMmapPageSource() {
        ForkedJvm.Result result = ForkedJvm.app().run("com.example.bufferapps.BufferBehaviourApp").assertChecksPass();
        assertTrue(result.stdout().contains("CHECK redirected[65536] ok"), result::toString);
        // native-bridge's page source is found by core's ServiceLoader from the bootstrap class path.
        assertTrue(result.stdout().contains("VALUE pageSource mmap"), result::toString);
    }

    @Test
    void globalScopeBuffersBehaveAsTheJdksToo() {
        ForkedJvm.app().agentOptions("bufferScope=global").run("com.example.bufferapps.BufferBehaviourApp")
                .assertChecksPass();
    }

    @Test
    void globalScopeBlocksComeBackWhenBuffersDie() {
        ForkedJvm.app().agentOptions("bufferScope=global").run("com.example.bufferapps.GcReleaseApp")
                .assertChecksPass();
    }

    @Test
    void blocksComeBackWhenBuffersDieAndLiveViewsKeepTheirBlocks() {
        ForkedJvm.Result result = ForkedJvm.app().run("com.example.bufferapps.GcReleaseApp").assertChecksPass();
        for (String check : new String[] {"droppedBuffersAreFreedByTheGc", "poolShowsNoBlockInUse",
                "liveViewsKeepTheirBlocks", "blocksGoOnceTheViewsGo"}) {
            assertTrue(result.stdout().contains("CHECK " + check + " ok"), result::toString);
        }
    }

    @Test
    void withoutSlabsBlocksComeBackWhenBuffersDieAndLiveViewsKeepTheirBlocks() {
        ForkedJvm.app().agentOptions("slabMaxBytes=0").run("com.example.bufferapps.GcReleaseApp").assertChecksPass();
    }

    @Test
    void withoutSlabsBuffersBehaveAsTheJdksToo() {
        ForkedJvm.app().agentOptions("slabMaxBytes=0").run("com.example.bufferapps.BufferBehaviourApp")
                .assertChecksPass();
    }

    @Test
    void excludedClassesAndOutOfRangeSizesKeepTheJdksPath() {
        ForkedJvm.app().agentOptions("exclude=com.example.bufferapps.excluded.*,minBytes=16,maxBytes=8k")
                .run("com.example.bufferapps.SelectionApp").assertChecksPass();
    }

    @Test
    void systemPropertiesSelectAsTheAgentArgumentDoes() {
        ForkedJvm.app().jvmOption("-Doffpool.agent.exclude=com.example.bufferapps.excluded.*")
                .jvmOption("-Doffpool.agent.minBytes=16").jvmOption("-Doffpool.agent.maxBytes=8192")
                .run("com.example.bufferapps.SelectionApp").assertChecksPass();
    }

    @Test
    void redirectedAndJdkBuffersShareTheJdksOneLimit() {
        ForkedJvm.app().jvmOption("-XX:MaxDirectMemorySize=100k")
                .agentOptions("neverRedirect=com.example.bufferapps.FallbackApp$Jdk")
                .run("com.example.bufferapps.FallbackApp", "limit").assertChecksPass();
    }

    @Test
    void sitesAreCallsWithLinesHelpersCountAtTheirCallersAndModesFollowLifetimes() {
        ForkedJvm.app().agentOptions("passThrough=com.example.bufferapps.SitesApp$Helper.allocate")
                .run("com.example.bufferapps.SitesApp").assertChecksPass();
    }

    @Test
    void directBufferAddressWorksOnRedirectedBuffersOfEverySize() {
        ForkedJvm.app().jvmOption("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED").agentOptions("maxBytes=128k")
                .run("com.example.bufferapps.DirectLimitApp", "address").assertChecksPass();
    }

    @Test
    void aRecordsCallSitesAreRedirected() {
        ForkedJvm.app().run("com.example.bufferapps.RecordApp").assertChecksPass();
    }

    @Test
    void pageAlignedDirectMemoryIsTheJdks() {
        ForkedJvm.app().jvmOption("-Dsun.nio.PageAlignDirectMemory=true")
                .run("com.example.bufferapps.DirectLimitApp", "pageAligned").assertChecksPass();
    }

    @Test
    void anExplicitZeroLimitRefusesEveryBuffer() {
        ForkedJvm.app().jvmOption("-XX:MaxDirectMemorySize=0").run("com.example.bufferapps.DirectLimitApp", "tiny",
                "0").assertChecksPass();
    }

    @Test
    void heldBuffersGetTheJdksOutOfMemoryErrorAtItsLimit() {
        ForkedJvm.Result result = ForkedJvm.app().jvmOption("-XX:MaxDirectMemorySize=16m").jvmOption("-Xlog:gc")
                .run("com.example.bufferapps.DirectLimitApp", "hold").assertChecksPass();
        assertTrue(result.stdout().contains("(System.gc())"), () -> "the JDK's System.gc() at the limit:\n" + result);
    }

    @Test
    void disableExplicitGcIsRespectedAtTheLimit() {
        ForkedJvm.Result result = ForkedJvm.app().jvmOption("-XX:MaxDirectMemorySize=16m").jvmOption("-Xlog:gc")
                .jvmOption("-XX:+DisableExplicitGC").run("com.example.bufferapps.DirectLimitApp", "hold")
                .assertChecksPass();
        assertFalse(result.stdout().contains("(System.gc())"), result::toString);
    }

    @Test
    void churnedBuffersComeBackWithinTheLimit() {
        ForkedJvm.app().jvmOption("-XX:MaxDirectMemorySize=16m").run("com.example.bufferapps.DirectLimitApp", "churn")
                .assertChecksPass();
    }

    @Test
    void aLimitOfTenBytesHoldsTenOneByteBuffers() {
        ForkedJvm.app().jvmOption("-XX:MaxDirectMemorySize=10").run("com.example.bufferapps.DirectLimitApp", "tiny",
                "10").assertChecksPass();
    }

    @Test
    void anInternalFailureFallsBackAndIsReported() {
        ForkedJvm.Result result = ForkedJvm.app().jvmOption("-Doffpool.agentFault=allocate")
                .run("com.example.bufferapps.FallbackApp", "fault").assertChecksPass();
        assertTrue(result.stderr().contains("first internal error: java.lang.IllegalStateException: offpool agent:"
                + " injected fault"), result::toString);
    }

    @Test
    void invokeCleanerFreesARedirectedRootAndThrowsForViews() {
        ForkedJvm.app().agentOptions("maxBytes=64k").run("com.example.bufferapps.InvokeCleanerApp", "honoured")
                .assertChecksPass();
    }

    @Test
    void withoutSlabsInvokeCleanerFreesARedirectedRootAndThrowsForViews() {
        ForkedJvm.app().agentOptions("maxBytes=64k,slabMaxBytes=0")
                .run("com.example.bufferapps.InvokeCleanerApp", "honoured").assertChecksPass();
    }

    @Test
    void withoutHonourInvokeCleanerTheBlockWaitsForTheGc() {
        ForkedJvm.app().agentOptions("honourInvokeCleaner=false")
                .run("com.example.bufferapps.InvokeCleanerApp", "ignored").assertChecksPass();
    }
}
