package dev.offpool.agent.redirect;

import dev.offpool.OffPool;
import dev.offpool.jmx.OffPoolMBeans;
import dev.offpool.spi.RedirectSource;

/**
 * Puts the agent into core's observability: its counters into the JFR events at once, and, a second after start,
 * the JMX beans of the global allocator and of the agent ({@code dev.offpool:type=Allocator,name=global},
 * {@code java.nio:type=BufferPool,name=offpool}, {@code dev.offpool:type=Agent}).
 *
 * <p>Why the beans wait: the first use of the platform MBean server initializes {@code java.util.logging} (through
 * its logging bean), and an application server that installs its own {@code LogManager} during start-up must find
 * it uninitialized; {@code premain} runs before the application's {@code main}. The JFR feed initializes nothing
 * (no JFR class is touched before a recording exists), so it starts at once. {@code jmx=false} leaves the beans out.
 */
final class AgentObservability {
    /** How long after start the beans are registered. */
    static final long JMX_DELAY_MILLIS = 1000;

    private AgentObservability() {
    }

    static void start(Redirector redirector, RedirectConfig config) {
        RedirectSource counters = new RedirectCounters(redirector);
        RedirectSource.publish(counters);
        if (!config.jmx()) {
            return;
        }
        Thread.ofPlatform().daemon().name("offpool-agent-jmx").start(() -> {
            try {
                Thread.sleep(JMX_DELAY_MILLIS);
                OffPoolMBeans.register(OffPool.global());
                OffPoolMBeans.registerAgent(counters);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | LinkageError e) {
                // The application runs on without the beans: monitoring must not break the host.
                System.err.println("offpool agent: could not register its JMX beans: " + e);
            }
        });
    }
}
