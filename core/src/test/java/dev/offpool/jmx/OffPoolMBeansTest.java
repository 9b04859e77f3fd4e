package dev.offpool.jmx;

import dev.offpool.OffPool;
import dev.offpool.PoolStats;
import dev.offpool.spi.RedirectSource;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffPoolMBeansTest {
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    @Test
    void allocatorBeanReadsTheStatsThroughThePlatformServer() throws Exception {
        try (OffPool pool = OffPool.builder().name("jmx-stats").maxReservedBytes(64L << 20).build();
             OffPoolMBeans.Registration beans = OffPoolMBeans.register(pool)) {
            ObjectName name = new ObjectName("dev.offpool:type=Allocator,name=jmx-stats");
            assertEquals(name, beans.allocatorBean());
            assertTrue(SERVER.isRegistered(name));
            long small = pool.allocateAddress(40);
            long medium = pool.allocateAddress(3000);
            long large = pool.allocateAddress(200_000);
            long huge = pool.allocateAddress(2 << 20);

            assertEquals("jmx-stats", SERVER.getAttribute(name, "Name"));
            assertEquals(false, SERVER.getAttribute(name, "Closed"));
            assertEquals(pool.reservedBytes(), SERVER.getAttribute(name, "ReservedBytes"));
            assertEquals(64L << 20, SERVER.getAttribute(name, "ReservedBytesLimit"));
            assertTrue(SERVER.getMBeanInfo(name).getDescription().startsWith("One offpool allocator"));
            assertEquals(4L, SERVER.getAttribute(name, "BlocksInUse"));
            long inUse = (Long) SERVER.getAttribute(name, "BytesInUse");
            assertTrue(inUse >= 40 + 3000 + 200_000 + (2 << 20), "whole blocks, at least what was asked: " + inUse);
            assertEquals(512L, SERVER.getAttribute(name, "SmallThresholdBytes"));
            assertEquals(2L, SERVER.getAttribute(name, "ArenasCurrent"), "one 16 KiB-pool arena, one medium arena");
            assertEquals(pool.stats().residentBytesAtMost(), SERVER.getAttribute(name, "ResidentBytesAtMost"));

            TabularData classes = (TabularData) SERVER.getAttribute(name, "SizeClasses");
            assertEquals(List.of("key"), classes.getTabularType().getIndexNames());
            CompositeData class2 = (CompositeData) classes.get(new Object[] {48}).get("value");
            assertEquals(2, class2.get("sizeClass"), "a row per class, keyed by its block size");
            assertEquals(1L, class2.get("blocksInUse"));
            assertEquals(48L, class2.get("bytesInUse"));
            assertEquals(pool.stats().sizeClasses().size(), classes.size());

            TabularData tiers = (TabularData) SERVER.getAttribute(name, "Tiers");
            assertEquals(Set.of("small", "medium", "large", "huge"), tiers.values().stream()
                    .map(t -> (String) ((CompositeData) t).get("key")).collect(Collectors.toSet()));
            for (Object row : tiers.values()) {
                CompositeData tier = (CompositeData) ((CompositeData) row).get("value");
                assertEquals(1L, tier.get("blocksInUse"), tier.get("tier") + " holds one block");
            }
            assertEquals((long) (2 << 20), ((CompositeData) tiers.get(new Object[] {"huge"}).get("value"))
                    .get("bytesInUse"));
            CompositeData largeTier = (CompositeData) SERVER.getAttribute(name, "LargeTier");
            assertEquals(1L, largeTier.get("liveBlocks"));
            CompositeData hugeTier = (CompositeData) SERVER.getAttribute(name, "HugeTier");
            assertEquals((long) (2 << 20), hugeTier.get("bytesRequested"));

            String table = (String) SERVER.invoke(name, "statsTable", null, null);
            assertTrue(table.contains("# bytes in allocated blocks"), table);
            String verified = (String) SERVER.invoke(name, "verify", null, null);
            assertTrue(verified.contains("every invariant holds"), verified);

            pool.freeAddress(small);
            pool.freeAddress(medium);
            pool.freeAddress(large);
            pool.freeAddress(huge);
            long before = pool.reservedBytes();
            String trimmed = (String) SERVER.invoke(name, "trim", null, null);
            assertTrue(trimmed.startsWith("trimmed: reserved"), trimmed);
            assertTrue(pool.reservedBytes() < before, "trim over JMX gave the empty arenas back");
            assertEquals(0L, SERVER.getAttribute(name, "BlocksInUse"));
        }
    }

    @Test
    void everyAttributeAndOperationHasADescriptionAndEveryFigureAUnit() throws Exception {
        try (OffPool pool = OffPool.builder().name("jmx-described").build();
             OffPoolMBeans.Registration beans = OffPoolMBeans.register(pool)) {
            for (ObjectName name : List.of(beans.allocatorBean(), beans.bufferPoolBean())) {
                MBeanInfo info = SERVER.getMBeanInfo(name);
                assertFalse(info.getDescription().isBlank(), name + " describes itself");
                for (MBeanAttributeInfo a : info.getAttributes()) {
                    assertFalse(a.getDescription().equals(a.getName()) || a.getDescription().isBlank(),
                            name + " " + a.getName() + ": " + a.getDescription());
                    if (a.getType().equals("long")) {
                        assertTrue(a.getDescriptor().getFieldValue("units") instanceof String,
                                name + " " + a.getName() + " has a unit");
                    }
                }
                for (MBeanOperationInfo o : info.getOperations()) {
                    assertFalse(o.getDescription().equals(o.getName()) || o.getDescription().isBlank(),
                            name + " " + o.getName());
                }
            }
            MBeanInfo allocator = SERVER.getMBeanInfo(beans.allocatorBean());
            MBeanAttributeInfo reserved = Arrays.stream(allocator.getAttributes())
                    .filter(a -> a.getName().equals("ReservedBytes")).findFirst().orElseThrow();
            assertEquals("bytes", reserved.getDescriptor().getFieldValue("units"));
            assertEquals("Bytes reserved from the page source, over all tiers [bytes]", reserved.getDescription());
            MBeanOperationInfo map = Arrays.stream(allocator.getOperations())
                    .filter(o -> o.getName().equals("writeOccupancyMap")).findFirst().orElseThrow();
            assertEquals("file", map.getSignature()[0].getName(), "the parameter is named, not p0");
            assertTrue(map.getSignature()[0].getDescription().contains("monitored JVM"));
            assertEquals(AllocatorMXBean.NO_LIMIT, SERVER.getAttribute(beans.allocatorBean(), "ReservedBytesLimit"),
                    "no limit reads -1, not Long.MAX_VALUE");
            assertTrue(SERVER.isInstanceOf(beans.allocatorBean(), AllocatorMXBean.class.getName()));
        }
    }

    @Test
    void bufferPoolBeanStandsBesideTheJdkPools() throws Exception {
        try (OffPool pool = OffPool.builder().name("jmx-buffers").build();
             OffPoolMBeans.Registration beans = OffPoolMBeans.register(pool)) {
            ObjectName name = new ObjectName("java.nio:type=BufferPool,name=offpool-jmx-buffers");
            assertEquals(name, beans.bufferPoolBean());
            Set<ObjectName> pools = SERVER.queryNames(new ObjectName("java.nio:type=BufferPool,*"), null);
            assertTrue(pools.contains(new ObjectName("java.nio:type=BufferPool,name=direct")), pools.toString());
            assertTrue(pools.contains(name), "a query for the JDK's pools finds offpool's too: " + pools);
            String direct = pools.stream().filter(n -> n.getKeyProperty("name").equals("direct")).findFirst()
                    .orElseThrow().getKeyPropertyListString();
            String ours = pools.stream().filter(n -> n.equals(name)).findFirst().orElseThrow()
                    .getKeyPropertyListString();
            assertEquals(direct.replace("direct", "offpool-jmx-buffers"), ours,
                    "the keys in the JDK's own order, which exporters name metrics by");

            long a = pool.allocateAddress(100);
            long b = pool.allocateAddress(100);
            assertEquals("offpool-jmx-buffers", SERVER.getAttribute(name, "Name"));
            assertEquals(2L, SERVER.getAttribute(name, "Count"));
            assertEquals(2L * 112, SERVER.getAttribute(name, "TotalCapacity"), "two 112-byte blocks");
            assertEquals(pool.reservedBytes(), SERVER.getAttribute(name, "MemoryUsed"));

            BufferPoolMXBean proxy = ManagementFactory.newPlatformMXBeanProxy(SERVER, name.toString(),
                    BufferPoolMXBean.class);
            assertEquals(2, proxy.getCount(), "readable through the JDK's own interface");
            pool.freeAddress(a);
            pool.freeAddress(b);
            assertEquals(0, proxy.getCount());
        }
    }

    @Test
    void underTheAgentTheGlobalPoolLeavesOutWhatTheJdksDirectPoolCountsAndOthersKeepAll() throws Exception {
        AgentBeanTest.FakeAgent agent = new AgentBeanTest.FakeAgent();
        long block = OffPool.global().allocateAddress(64 << 10);
        try (OffPool other = OffPool.builder().name("jmx-no-agent").build();
             OffPoolMBeans.Registration beans = OffPoolMBeans.register(OffPool.global())) {
            long otherBlock = other.allocateAddress(100);
            try (AutoCloseable feed = RedirectSource.publish(agent)) {
                agent.totals = new RedirectSource.Totals(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 40_000, 1L << 30);
                PoolStats s = OffPool.global().stats();
                BufferPoolUsage usage = BufferPoolUsage.of(OffPool.global());
                assertEquals(s.reservedBytes() - 40_000, usage.memoryUsedBytes(),
                        "reserved less the redirected live bytes, which the direct pool counts");
                long capacity = s.bytesInAllocatedBlocks() + s.large().bytesInLiveBlocks() + s.huge().bytesRequested();
                assertEquals(capacity - 40_000, usage.totalCapacityBytes());
                assertEquals(usage.memoryUsedBytes(), SERVER.getAttribute(beans.bufferPoolBean(), "MemoryUsed"));
                assertEquals(other.reservedBytes(), BufferPoolUsage.of(other).memoryUsedBytes(),
                        "the agent redirects into the global allocator only");
                assertEquals(1, BufferPoolUsage.of(other).count());
                agent.totals = new RedirectSource.Totals(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, Long.MAX_VALUE / 2,
                        1L << 30);
                assertEquals(0, BufferPoolUsage.of(OffPool.global()).memoryUsedBytes(), "never below 0");
            }
            assertEquals(OffPool.global().reservedBytes(), BufferPoolUsage.of(OffPool.global()).memoryUsedBytes(),
                    "without the agent: all of it");
            other.freeAddress(otherBlock);
        } finally {
            OffPool.global().freeAddress(block);
        }
    }

    @Test
    void globalAllocatorIsTheBufferPoolNamedOffpool() throws Exception {
        try (OffPoolMBeans.Registration beans = OffPoolMBeans.register(OffPool.global())) {
            assertEquals(new ObjectName("java.nio:type=BufferPool,name=offpool"), beans.bufferPoolBean());
            assertEquals(new ObjectName("dev.offpool:type=Allocator,name=global"), beans.allocatorBean());
            long block = OffPool.global().allocateAddress(64);
            assertTrue((Long) SERVER.getAttribute(beans.bufferPoolBean(), "Count") >= 1);
            OffPool.global().freeAddress(block);
        }
        assertFalse(SERVER.isRegistered(new ObjectName("java.nio:type=BufferPool,name=offpool")));
    }

    @Test
    void secondRegistrationOfOneNameIsRefusedAndRegistersNothing() throws Exception {
        try (OffPool first = OffPool.builder().name("jmx-twice").build();
             OffPool second = OffPool.builder().name("jmx-twice").build();
             OffPoolMBeans.Registration beans = OffPoolMBeans.register(first)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> OffPoolMBeans.register(second));
            assertTrue(e.getMessage().contains("dev.offpool:type=Allocator,name=jmx-twice"), e.getMessage());
            beans.close();
            assertFalse(SERVER.isRegistered(beans.allocatorBean()));
            assertFalse(SERVER.isRegistered(beans.bufferPoolBean()));
            try (OffPoolMBeans.Registration again = OffPoolMBeans.register(second)) {
                assertTrue(SERVER.isRegistered(again.allocatorBean()), "the name is free once closed");
            }
        }
    }

    @Test
    void closedAllocatorReadsZeroAndRefusesOperations() throws Exception {
        OffPool pool = OffPool.builder().name("jmx-closed").build();
        try (OffPoolMBeans.Registration beans = OffPoolMBeans.register(pool)) {
            pool.allocateAddress(64);
            pool.close();
            assertEquals(true, SERVER.getAttribute(beans.allocatorBean(), "Closed"));
            assertEquals(0L, SERVER.getAttribute(beans.allocatorBean(), "ReservedBytes"));
            assertEquals(0L, SERVER.getAttribute(beans.bufferPoolBean(), "MemoryUsed"));
            Exception e = assertThrows(Exception.class, () -> SERVER.invoke(beans.allocatorBean(), "trim", null,
                    null));
            assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
        }
    }

    @Test
    void occupancyMapIsWrittenOnDemand() throws Exception {
        Path file = Files.createTempFile("offpool-map", ".html");
        try (OffPool pool = OffPool.builder().name("jmx-map").build();
             OffPoolMBeans.Registration beans = OffPoolMBeans.register(pool)) {
            pool.allocateAddress(64);
            String written = (String) SERVER.invoke(beans.allocatorBean(), "writeOccupancyMap",
                    new Object[] {file.toString()}, new String[] {String.class.getName()});
            assertEquals(file.toAbsolutePath().toString(), written);
            assertTrue(Files.readString(file).contains("offpool occupancy map: jmx-map"));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
