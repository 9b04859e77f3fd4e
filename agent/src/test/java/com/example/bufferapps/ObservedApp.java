package com.example.bufferapps;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds 10 buffers of 1000 bytes from {@link #hold(int)}, then, by {@code args[0]}: {@code jmx} waits for the
 * agent's beans and checks what they say; {@code nojmx} checks none appears; {@code sleep} sleeps {@code args[1]}
 * ms (for JFR periods and the map).
 */
public final class ObservedApp {
    private static final List<ByteBuffer> HELD = new ArrayList<>();

    private ObservedApp() {
    }

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < 10; i++) {
            HELD.add(hold(1000));
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName agent = new ObjectName("dev.offpool:type=Agent");
        switch (args[0]) {
            case "jmx" -> {
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!server.isRegistered(agent) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                Checks.check("agent bean registered", server.isRegistered(agent));
                Checks.check("redirected", (Long) server.getAttribute(agent, "Redirected") >= 10,
                        server.getAttribute(agent, "Redirected"));
                Checks.check("live bytes", (Long) server.getAttribute(agent, "LiveBytes") == 10_000,
                        server.getAttribute(agent, "LiveBytes"));
                TabularData top = (TabularData) server.getAttribute(agent, "TopCallSites");
                CompositeData site = top.values().stream().map(row -> (CompositeData) ((CompositeData) row)
                        .get("value")).filter(s -> s.get("className").equals(ObservedApp.class.getName())
                        && s.get("method").equals("hold(int)")).findFirst().orElse(null);
                Checks.check("top call site", site != null && (Long) site.get("liveBytes") == 10_000, top);
                ObjectName bufferPool = new ObjectName("java.nio:type=BufferPool,name=offpool");
                Checks.check("buffer pool bean", server.isRegistered(bufferPool));
                // The ten redirected buffers are the JDK's direct pool's to count: offpool's pool shows the rest.
                Checks.check("buffer pool count leaves the redirected buffers out",
                        (Long) server.getAttribute(bufferPool, "Count") == 0, server.getAttribute(bufferPool, "Count"));
                Checks.check("buffer pool memory used: the pools' overhead",
                        (Long) server.getAttribute(bufferPool, "MemoryUsed") > 0);
                ObjectName allocator = new ObjectName("dev.offpool:type=Allocator,name=global");
                Checks.check("allocator bean", server.isRegistered(allocator));
                Checks.check("allocator in use", (Long) server.getAttribute(allocator, "BytesInUse") >= 10_000,
                        server.getAttribute(allocator, "BytesInUse"));
            }
            case "nojmx" -> {
                Thread.sleep(2_500);
                Checks.check("no agent bean", !server.isRegistered(agent));
                Checks.check("no buffer pool bean", !server.isRegistered(
                        new ObjectName("java.nio:type=BufferPool,name=offpool")));
            }
            case "sleep" -> Thread.sleep(Long.parseLong(args[1]));
            default -> Checks.check("mode", false, args[0]);
        }
        Checks.check("still holding", HELD.size() == 10);
        Checks.finish();
    }

    static ByteBuffer hold(int bytes) {
        return ByteBuffer.allocateDirect(bytes);
    }
}
