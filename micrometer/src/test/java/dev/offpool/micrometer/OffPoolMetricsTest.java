package dev.offpool.micrometer;

import dev.offpool.OffPool;
import dev.offpool.spi.RedirectSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffPoolMetricsTest {
    /** An agent's counters as the tests set them. */
    private static final class FakeAgent implements RedirectSource {
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

    private static OffPoolMetrics metrics(OffPool pool) {
        return new OffPoolMetrics(pool, Tags.empty(), 10, Duration.ZERO, Duration.ofMillis(50));
    }

    @Test
    void offpoolsBytesAreAJvmBufferPoolBesideTheJdksDirectAndMapped() {
        MeterRegistry registry = new SimpleMeterRegistry();
        new JvmMemoryMetrics().bindTo(registry);
        ByteBuffer direct = ByteBuffer.allocateDirect(1 << 20);
        try (OffPool pool = OffPool.builder().name("mm").build();
             OffPoolMetrics metrics = metrics(pool)) {
            metrics.bindTo(registry);
            long block = pool.allocateAddress(100);
            long big = pool.allocateAddress(3000);

            Gauge used = registry.get("jvm.buffer.memory.used").tag("id", "offpool-mm").gauge();
            assertEquals(pool.reservedBytes(), (long) used.value(), "the allocator's reserved bytes");
            assertEquals(2, (long) registry.get("jvm.buffer.count").tag("id", "offpool-mm").gauge().value());
            assertEquals(pool.stats().bytesInAllocatedBlocks(),
                    (long) registry.get("jvm.buffer.total.capacity").tag("id", "offpool-mm").gauge().value(),
                    "whole blocks: 112 bytes for the 100-byte request, the 3000-byte one's class");
            assertEquals("bytes", used.getId().getBaseUnit());
            Gauge jdkDirect = registry.get("jvm.buffer.memory.used").tag("id", "direct").gauge();
            assertEquals(jdkDirect.getId().getDescription(), used.getId().getDescription(),
                    "the same meter as JvmMemoryMetrics', so dashboards add the pools up");
            assertTrue(jdkDirect.value() >= 1 << 20, "the JDK's direct pool is there too");
            assertNotNull(registry.find("jvm.buffer.memory.used").tag("id", "mapped").gauge());

            assertEquals(112, registry.get("offpool.size.class.used").tags("id", "offpool-mm", "block.size", "112")
                    .gauge().value(), "per size class, tagged with its block size");
            assertTrue(registry.get("offpool.size.class.free").tags("id", "offpool-mm", "block.size", "112")
                    .gauge().value() > 0);
            assertEquals(pool.stats().sizeClasses().size(), registry.find("offpool.size.class.used")
                    .tag("id", "offpool-mm").gauges().size(), "one series per class: a bounded set");
            assertNull(registry.find("offpool.agent.live.bytes").gauge(), "no agent: no agent meters");

            pool.freeAddress(block);
            pool.freeAddress(big);
            assertEquals(0, registry.get("jvm.buffer.count").tag("id", "offpool-mm").gauge().value());
        }
        assertTrue(direct.capacity() > 0);
    }

    @Test
    void underTheAgentTheRedirectedBytesAndTheTopTenSitesAreMetersAndDirectHoldsTheBuffers() throws Exception {
        FakeAgent agent = new FakeAgent();
        List<RedirectSource.Site> sites = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            sites.add(new RedirectSource.Site("com.example.Handler", "read(int)", 100 + i, true, "churns", i,
                    i * 1000L, i * 1000L, i, 0));
        }
        agent.sites = sites;
        agent.totals = new RedirectSource.Totals(105, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 105, 105_000, 1L << 30);
        long block = OffPool.global().allocateAddress(256 << 10);
        MeterRegistry registry = new SimpleMeterRegistry();
        try (AutoCloseable feed = RedirectSource.publish(agent);
             OffPoolMetrics metrics = metrics(OffPool.global())) {
            metrics.bindTo(registry);
            assertEquals(105_000, registry.get("offpool.agent.live.bytes").gauge().value());
            assertEquals(105, registry.get("offpool.agent.redirected").functionCounter().count());
            assertEquals(2, registry.get("offpool.agent.fell.back").tag("reason", "allocator.full")
                    .functionCounter().count());
            assertEquals(Math.max(0, OffPool.global().reservedBytes() - 105_000),
                    (long) registry.get("jvm.buffer.memory.used").tag("id", "offpool").gauge().value(),
                    "the redirected bytes are direct's to count, not offpool's");

            assertEquals(10, registry.find("offpool.agent.site.live.bytes").gauges().size(), "the top 10 of 15");
            assertEquals(14_000, registry.get("offpool.agent.site.live.bytes")
                    .tags("class", "com.example.Handler", "method", "read(int)", "line", "114").gauge().value());
            assertNull(registry.find("offpool.agent.site.live.bytes").tag("line", "104").gauge(), "11th: none");

            List<RedirectSource.Site> later = new ArrayList<>(sites);
            later.add(new RedirectSource.Site("com.example.Writer", "write()", 7, true, "churns", 1, 99_000,
                    99_000, 1, 0));
            agent.sites = later;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (registry.find("offpool.agent.site.live.bytes").tag("class", "com.example.Writer").gauge() == null
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(99_000, registry.get("offpool.agent.site.live.bytes").tag("class", "com.example.Writer")
                    .gauge().value(), "the refresh brings a new top site in");
            assertNull(registry.find("offpool.agent.site.live.bytes").tag("line", "105").gauge(),
                    "and the one it pushed out leaves");
            assertEquals(10, registry.find("offpool.agent.site.live.bytes").gauges().size());
        } finally {
            OffPool.global().freeAddress(block);
        }
    }

    @Test
    void prometheusTextHasOffpoolUnderTheJdksBufferMetricNames() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        try (OffPool pool = OffPool.builder().name("prom").build();
             OffPoolMetrics metrics = metrics(pool)) {
            metrics.bindTo(registry);
            long block = pool.allocateAddress(48);
            String text = registry.scrape();
            List<String> lines = text.lines().toList();
            String ours = lines.stream().filter(l -> l.startsWith("jvm_buffer_memory_used_bytes{id=\"offpool-prom\"}"))
                    .findFirst().orElseThrow(() -> new AssertionError(text));
            assertEquals((double) pool.reservedBytes(), Double.parseDouble(ours.substring(ours.lastIndexOf(' '))));
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("jvm_buffer_memory_used_bytes{id=\"direct\"}")));
            assertEquals(1, lines.stream().filter(l -> l.startsWith("# TYPE jvm_buffer_memory_used_bytes gauge"))
                    .count(), "one metric family holds every pool");
            assertTrue(lines.stream().anyMatch(l -> l.equals(
                    "offpool_size_class_used_bytes{block_size=\"48\",id=\"offpool-prom\"} 48.0")), text);
            pool.freeAddress(block);
        }
    }

    @Test
    void badArgumentsAreRefusedWithTheirReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OffPoolMetrics(OffPool.global(), Tags.empty(), 101));
        assertTrue(e.getMessage().contains("101"), e.getMessage());
        assertThrows(NullPointerException.class, () -> new OffPoolMetrics(null, Tags.empty(), 10));
    }
}
