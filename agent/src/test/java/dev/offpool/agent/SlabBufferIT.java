package dev.offpool.agent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small buffers carved from slabs: what keeps a slab, what releases it, and who may free its buffers. */
class SlabBufferIT {

    @Test
    void slabsGoBackWhenTheirBuffersDieOrAreAllFreedAndOnlyRootsFreeOnce() {
        ForkedJvm.Result result = ForkedJvm.app().run("com.example.bufferapps.SlabApp").assertChecksPass();
        for (String check : new String[] {"slabsComeBackWhenTheirBuffersDie", "poolShowsTheSlabsBlocksFree",
                "aLiveSliceKeepsItsSlab", "aLiveSegmentOfABufferKeepsItsSlab",
                "aSealedSlabWhoseBuffersWereAllFreedIsReleased", "theLastFreeOfASealedSlabReleasesIt",
                "secondFreeReturnsFalse", "invokeCleanerOnASlabBuffersSliceThrows", "anotherThreadFreesSlabBuffers",
                "anOpenSlabsBuffersCountAtTheirSite", "theReleaseTakesTheRestOff", "virtualThreadsShareAFewSlabs"}) {
            assertTrue(result.stdout().contains("CHECK " + check + " ok"), result::toString);
        }
    }

    @Test
    void theJdksLimitCountsSlabBuffersOneByOne() {
        ForkedJvm.app().jvmOption("-XX:MaxDirectMemorySize=64k").run("com.example.bufferapps.SlabApp", "limit")
                .assertChecksPass();
    }
}
