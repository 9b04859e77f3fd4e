package dev.offpool.agent.install;

import dev.offpool.agent.redirect.CallSites;

import dev.offpool.agent.install.AgentOptions.AgentOptionException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentOptionsTest {
    private static AgentOptions parse(String args) {
        return AgentOptions.parse(args, new Properties());
    }

    @Test
    void defaultsApplyWhenNothingIsGiven() {
        AgentOptions options = parse(null);
        assertTrue(options.enabled());
        assertEquals(1, options.minBytes());
        assertEquals(1 << 20, options.maxBytes());
        assertEquals(512, options.slabMaxBytes(), "buffers up to 512 bytes live in slabs by default");
        assertEquals(List.of(), options.alwaysRedirect());
        assertEquals(List.of(), options.neverRedirect());
        assertEquals(0, options.reportIntervalMillis());
        assertEquals("stderr", options.reportTo());
        assertTrue(options.honourInvokeCleaner());
        assertTrue(options.sites());
        assertFalse(options.regionScope(), "buffers are unscoped by default, as the JDK's are");
        assertTrue(options.jmx(), "the JMX beans are registered by default");
        assertNull(options.map(), "no occupancy map unless asked");
        assertEquals(List.of("*"), options.selection().include());
        assertEquals(List.of("java.*", "javax.*", "jdk.*", "sun.*", "com.sun.*"), options.selection().exclude());
    }

    @Test
    void everyKeyIsReadInItsForm() {
        AgentOptions options = parse("enabled=false,include=com.acme.*:org.x.Y,exclude=,minBytes=2k,maxBytes=1m,"
                + "slabMaxBytes=4k,alwaysRedirect=com.acme.Hot*,neverRedirect=com.acme.Pool:org.y.*,report=250ms,"
                + "reportTo=/tmp/r.txt,honourInvokeCleaner=false,sites=false,"
                + "bufferScope=region,jmx=false,map=/tmp/m.html");
        assertFalse(options.enabled());
        assertEquals(List.of("com.acme.*", "org.x.Y"), options.selection().include());
        assertEquals(List.of(), options.selection().exclude());
        assertEquals(2048, options.minBytes());
        assertEquals(1 << 20, options.maxBytes());
        assertEquals(4096, options.slabMaxBytes());
        assertEquals(List.of("com.acme.Hot*"), options.alwaysRedirect());
        assertEquals(List.of("com.acme.Pool", "org.y.*"), options.neverRedirect());
        assertEquals(CallSites.Forced.REDIRECT, options.forcedFor("com.acme.HotPath"));
        assertEquals(CallSites.Forced.JDK, options.forcedFor("com.acme.Pool"));
        assertEquals(CallSites.Forced.JDK, options.forcedFor("org.y.z.Q"));
        assertEquals(CallSites.Forced.NO, options.forcedFor("com.acme.Other"));
        assertEquals(250, options.reportIntervalMillis());
        assertEquals("/tmp/r.txt", options.reportTo());
        assertFalse(options.honourInvokeCleaner());
        assertFalse(options.sites());
        assertTrue(options.regionScope());
        assertFalse(options.jmx());
        assertEquals("/tmp/m.html", options.map());
    }

    @Test
    void slabMaxBytesZeroTurnsSlabsOffAndPastAnEighthOfASlabStopsStartUp() {
        assertEquals(0, parse("slabMaxBytes=0").slabMaxBytes());
        AgentOptionException tooBig = assertThrows(AgentOptionException.class, () -> parse("slabMaxBytes=4097"));
        assertTrue(tooBig.getMessage().startsWith("offpool agent: bad option 'slabMaxBytes=4097': out of range "
                + "0..4096 bytes"), tooBig.getMessage());
        assertTrue(tooBig.getMessage().contains("  slabMaxBytes=SIZE"), "the usage lists the key");
        assertThrows(AgentOptionException.class, () -> parse("slabMaxBytes=-1"));
    }

    @Test
    void anEmptyMapPathOrAJmxThatIsNotABooleanStopsStartUp() {
        AgentOptionException empty = assertThrows(AgentOptionException.class, () -> parse("map="));
        assertTrue(empty.getMessage().contains("map"), empty.getMessage());
        AgentOptionException jmx = assertThrows(AgentOptionException.class, () -> parse("jmx=maybe"));
        assertTrue(jmx.getMessage().contains("jmx"), jmx.getMessage());
    }

    @Test
    void durationsTakeMillisecondsSecondsAndMinutes() {
        assertEquals(5_000, parse("report=5s").reportIntervalMillis());
        assertEquals(120_000, parse("report=2m").reportIntervalMillis());
        assertEquals(0, parse("report=0").reportIntervalMillis());
    }

    @Test
    void agentArgumentWinsOverSystemProperty() {
        Properties properties = new Properties();
        properties.setProperty("offpool.agent.minBytes", "100");
        properties.setProperty("offpool.agent.maxBytes", "200");
        AgentOptions options = AgentOptions.parse("minBytes=50", properties);
        assertEquals(50, options.minBytes());
        assertEquals(200, options.maxBytes());
    }

    @Test
    void keyColonValueIsKeyEqualsValueForJcmd() {
        AgentOptions options = parse("report:10s,include:com.acme.*:org.x.Y,reportTo=/tmp/a:b");
        assertEquals(10_000, options.reportIntervalMillis());
        assertEquals(List.of("com.acme.*", "org.x.Y"), options.selection().include());
        assertEquals("/tmp/a:b", options.reportTo(), "the first separator ends the key");
    }

    @Test
    void malformedValuesAreRejectedNamingTheOptionAndListingEveryKey() {
        for (String[] bad : new String[][] {
                {"minBytes=abc", "bad option 'minBytes=abc': not a size"},
                {"minBytes=0", "bad option 'minBytes=0': out of range 1..2147483647 bytes"},
                {"maxBytes=3g", "bad option 'maxBytes=3g': out of range"},
                {"minBytes=64,maxBytes=32", "maxBytes=32 is below minBytes=64"},
                {"limit=1g", "the agent has no limit of its own any more"},
                {"report=10", "bad option 'report=10': not a duration"},
                {"sites=yes", "bad option 'sites=yes': not true or false"},
                {"include=com.acme.*.Foo", "pattern 'com.acme.*.Foo': '*' cannot appear in a class name except"},
                {"reportTo=", "bad option 'reportTo=': empty"},
                {"bufferScope=chunk", "bad option 'bufferScope=chunk': not one of global, region"},
                {"limits=1", "unknown key 'limits'"},
                {"sites", "'sites' is not key=value (the agent received 'sites'; jcmd"},
                {"passThrough=Foo", "helper 'Foo': not CLASS.METHOD"},
                {"passThrough=a.B.*", "no '*' in a helper's name"}}) {
            AgentOptionException e = assertThrows(AgentOptionException.class, () -> parse(bad[0]), bad[0]);
            assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
            assertTrue(e.getMessage().contains("honourInvokeCleaner=true|false"), e.getMessage());
        }
    }

    @Test
    void unknownSystemPropertyInTheAgentsNamespaceIsRejected() {
        Properties properties = new Properties();
        properties.setProperty("offpool.agent.sights", "false");
        AgentOptionException e = assertThrows(AgentOptionException.class,
                () -> AgentOptions.parse(null, properties));
        assertTrue(e.getMessage().contains("'-Doffpool.agent.sights=false': unknown key 'sights'"), e.getMessage());
    }
}
