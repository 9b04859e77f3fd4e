package dev.offpool.agent.install;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassSelectionTest {

    @Test
    void defaultSelectionTakesApplicationsAndLeavesTheJdkOut() {
        ClassSelection selection = new ClassSelection(List.of("*"), List.of(AgentOptions.DEFAULT_EXCLUDE.split(":")));
        assertTrue(selection.selects("com.acme.Server"));
        assertTrue(selection.selects("io.netty.buffer.PooledByteBufAllocator"));
        assertFalse(selection.selects("java.nio.ByteBuffer"));
        assertFalse(selection.selects("javax.net.ssl.SSLEngine"));
        assertFalse(selection.selects("jdk.internal.misc.Unsafe"));
        assertFalse(selection.selects("sun.nio.ch.Util"));
        assertFalse(selection.selects("com.sun.net.httpserver.HttpServer"));
    }

    @Test
    void offpoolsOwnClassesAreNeverSelectedWhateverThePatterns() {
        ClassSelection everything = new ClassSelection(List.of("*"), List.of());
        for (String own : new String[] {"dev.offpool.OffPool", "dev.offpool.internal.SmallHeap",
                "dev.offpool.spi.PageSource", "dev.offpool.nativebridge.OsMemory", "dev.offpool.agent.Redirects",
                "dev.offpool.agent.redirect.Redirector", "dev.offpool.agent.shaded.bytebuddy.ByteBuddy"}) {
            assertFalse(everything.selects(own), own);
        }
        assertTrue(everything.selects("dev.offpool.examples.MessageApp"), "offpool's examples are applications");
        assertTrue(everything.selects("dev.offpool.benchmarks.AgentBenchmark"));
    }

    @Test
    void patternsAreExactNamesOrPrefixes() {
        ClassSelection selection = new ClassSelection(List.of("com.acme.*", "org.x.Exact"),
                List.of("com.acme.legacy.*", "com.acme.Old*"));
        assertTrue(selection.selects("com.acme.net.Server"));
        assertTrue(selection.selects("org.x.Exact"));
        assertFalse(selection.selects("org.x.Exact$Inner"), "an exact name does not take nested classes");
        assertFalse(selection.selects("org.x.Other"));
        assertFalse(selection.selects("com.acme.legacy.Codec"));
        assertFalse(selection.selects("com.acme.OldCodec"));
    }
}
