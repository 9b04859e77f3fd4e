package dev.offpool.jmx;

import dev.offpool.spi.RedirectSource;
import org.junit.jupiter.api.Test;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentBeanTest {
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    /** An agent's counters as the tests set them. */
    static final class FakeAgent implements RedirectSource {
        volatile Totals totals = Totals.NONE;
        volatile List<Site> sites = List.of();

        @Override
        public Totals totals() {
            return totals;
        }

        @Override
        public List<Site> sites() {
            return sites;
        }
    }

    @Test
    void agentBeanShowsTheCountersAndTheTopCallSitesByLiveBytes() throws Exception {
        FakeAgent agent = new FakeAgent();
        agent.totals = new RedirectSource.Totals(100, 0, 7, 1, 2, 3, 4, 0, 60, 10, 0, 30, 30 * 4096, 1L << 30);
        List<RedirectSource.Site> sites = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            sites.add(new RedirectSource.Site("com.example.Reader" + i, "read(int)", 10 + i, true, "churns", i,
                    i * 1000L, i * 2000L, 50 - i, 0));
        }
        agent.sites = sites;
        try (OffPoolMBeans.AgentRegistration registration = OffPoolMBeans.registerAgent(agent)) {
            ObjectName name = new ObjectName("dev.offpool:type=Agent");
            assertEquals(name, registration.objectName());
            assertEquals(100L, SERVER.getAttribute(name, "Redirected"));
            assertEquals(10L, SERVER.getAttribute(name, "FellBack"), "1 + 2 + 3 + 4");
            assertEquals(4L, SERVER.getAttribute(name, "FellBackInternalError"));
            assertEquals(7L, SERVER.getAttribute(name, "OutsideSizeRange"));
            assertEquals(60L, SERVER.getAttribute(name, "FreedByGc"));
            assertEquals(30L, SERVER.getAttribute(name, "LiveBuffers"));
            assertEquals(30L * 4096, SERVER.getAttribute(name, "LiveBytes"));
            assertEquals(1L << 30, SERVER.getAttribute(name, "LimitBytes"));

            TabularData top = (TabularData) SERVER.getAttribute(name, "TopCallSites");
            assertEquals(List.of("key"), top.getTabularType().getIndexNames());
            assertEquals(AgentMXBean.TOP_CALL_SITES, top.size(), "at most 20 of the 25 sites");
            CompositeData most = (CompositeData) top.get(new Object[] {"com.example.Reader24.read(int):34"})
                    .get("value");
            assertEquals(24_000L, most.get("liveBytes"), "the site with the most live bytes is in, keyed by its line");
            assertEquals(34, most.get("line"));
            assertEquals(true, most.get("redirected"));
            assertTrue(top.containsKey(new Object[] {"com.example.Reader5.read(int):15"}), "the 20th is in");
            assertFalse(top.containsKey(new Object[] {"com.example.Reader4.read(int):14"}), "the 21st is not");

            MBeanInfo info = SERVER.getMBeanInfo(name);
            assertTrue(info.getDescription().startsWith("The offpool agent"), info.getDescription());
            for (MBeanAttributeInfo a : info.getAttributes()) {
                assertFalse(a.getDescription().isBlank() || a.getDescription().equals(a.getName()), a.getName());
                if (a.getType().equals("long")) {
                    assertTrue(a.getDescription().endsWith("]") && a.getDescriptor().getFieldValue("units") != null,
                            a.getName() + " has its unit: " + a.getDescription());
                }
            }
            assertTrue(SERVER.isInstanceOf(name, AgentMXBean.class.getName()));

            agent.totals = new RedirectSource.Totals(101, 0, 7, 1, 2, 3, 4, 0, 60, 10, 0, 31, 31 * 4096, 1L << 30);
            assertEquals(101L, SERVER.getAttribute(name, "Redirected"), "each read takes the counters afresh");

            assertThrows(IllegalStateException.class, () -> OffPoolMBeans.registerAgent(new FakeAgent()),
                    "one agent bean per JVM");
        }
        assertFalse(SERVER.isRegistered(new ObjectName("dev.offpool:type=Agent")));
        try (OffPoolMBeans.AgentRegistration again = OffPoolMBeans.registerAgent(agent)) {
            assertTrue(SERVER.isRegistered(again.objectName()));
        }
    }
}
