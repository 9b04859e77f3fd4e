package dev.offpool.micrometer;

import dev.offpool.OffPool;
import dev.offpool.PoolStats;
import dev.offpool.SizeClassStats;
import dev.offpool.jmx.BufferPoolUsage;
import dev.offpool.jmx.OffPoolMBeans;
import dev.offpool.spi.RedirectSource;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * offpool's memory as Micrometer meters, beside the JDK's buffer pools that {@code JvmMemoryMetrics} reports:
 *
 * {@snippet :
 * MeterRegistry registry = new SimpleMeterRegistry();
 * new JvmMemoryMetrics().bindTo(registry);                  // jvm.buffer.memory.used{id=direct}, {id=mapped}
 * OffPoolMetrics offpool = new OffPoolMetrics();            // the global allocator, and the agent if it runs
 * offpool.bindTo(registry);                                 // jvm.buffer.memory.used{id=offpool}, ...
 * // ...
 * offpool.close();                                          // stops refreshing the top call sites
 * }
 *
 * <h2>The meters</h2>
 * <table>
 *   <caption>What {@link #bindTo} registers</caption>
 *   <tr><th>meter</th><th>tags</th><th>unit</th><th>what</th></tr>
 *   <tr><td>{@code jvm.buffer.memory.used}</td><td>{@code id=offpool}</td><td>bytes</td>
 *       <td>{@link BufferPoolUsage#memoryUsedBytes()}: native memory the allocator holds that the JDK's pools do
 *       not report</td></tr>
 *   <tr><td>{@code jvm.buffer.count}</td><td>{@code id=offpool}</td><td>buffers</td>
 *       <td>{@link BufferPoolUsage#count()}</td></tr>
 *   <tr><td>{@code jvm.buffer.total.capacity}</td><td>{@code id=offpool}</td><td>bytes</td>
 *       <td>{@link BufferPoolUsage#totalCapacityBytes()}</td></tr>
 *   <tr><td>{@code offpool.size.class.used}, {@code offpool.size.class.free}</td>
 *       <td>{@code id}, {@code block.size} (bytes)</td><td>bytes</td>
 *       <td>per size class: bytes of blocks callers hold; free bytes (thread caches and the class's pools)</td></tr>
 *   <tr><td>{@code offpool.agent.live.bytes}, {@code offpool.agent.live.buffers}</td><td></td>
 *       <td>bytes, buffers</td><td>the agent's redirected buffers not freed yet (the JDK's {@code direct} pool
 *       counts them)</td></tr>
 *   <tr><td>{@code offpool.agent.redirected}, {@code offpool.agent.fell.back}</td>
 *       <td>{@code reason} on the second</td><td>buffers, requests</td><td>counters</td></tr>
 *   <tr><td>{@code offpool.agent.site.live.bytes}, {@code offpool.agent.site.live.buffers}</td>
 *       <td>{@code class}, {@code method}, {@code line}</td><td>bytes, buffers</td>
 *       <td>the {@value #DEFAULT_TOP_SITES} call sites holding the most live bytes, refreshed every 10 s</td></tr>
 * </table>
 * The {@code jvm.buffer.*} meters have the names, descriptions and units of {@code JvmMemoryMetrics}' and an
 * {@code id} tag (offpool's pool name: {@code offpool} for the global allocator, {@code offpool-<name>} for
 * another), so a dashboard summing {@code jvm.buffer.memory.used} over {@code id} counts offpool's memory, and counts
 * each byte once: the agent's redirected buffers are in {@code direct}, not in {@code offpool} (see
 * {@link BufferPoolUsage}). The {@code offpool.agent.*} meters are registered only if the agent runs when
 * {@link #bindTo} is called ({@link RedirectSource#published()}).
 *
 * <h2>Cardinality</h2>
 * Bounded: one series per size class of the allocator (a fixed set, about 90 with the default classes; classes no
 * pool serves read 0), and at most {@code topSites} call sites at a time: a site that leaves the top drops its series
 * at the next refresh.
 *
 * <h2>Cost</h2>
 * The {@code jvm.buffer.*} gauges take an {@link OffPool#stats()} snapshot each read; the size-class gauges share one
 * snapshot for up to a second, so a scrape of all of them takes one.
 */
public final class OffPoolMetrics implements MeterBinder, AutoCloseable {
    /** How many call sites get series of their own by default. */
    public static final int DEFAULT_TOP_SITES = 10;
    private static final Duration STATS_REUSE = Duration.ofSeconds(1);
    private static final Duration SITE_REFRESH = Duration.ofSeconds(10);

    private final OffPool pool;
    private final Tags tags;
    private final int topSites;
    private final long statsReuseNanos;
    private final Duration siteRefresh;
    private final String poolId;
    /** The snapshot the size-class gauges share, and when it was taken; guarded by this. */
    private PoolStats shared;
    private long sharedAtNanos;
    private ScheduledExecutorService refresher;

    /** Meters of the global allocator (and of the agent, when it runs), no extra tags, the top 10 call sites. */
    public OffPoolMetrics() {
        this(OffPool.global(), Tags.empty(), DEFAULT_TOP_SITES);
    }

    /**
     * Meters of {@code pool}, with {@code tags} on every meter.
     *
     * @param pool     the allocator; the agent's meters come only with the global one, which the agent uses
     * @param tags     tags added to every meter (none: {@code Tags.empty()})
     * @param topSites how many call sites get series of their own, 0 for none
     * @throws NullPointerException     if {@code pool} or {@code tags} is null
     * @throws IllegalArgumentException if {@code topSites} is negative or over 100 (each site adds series)
     */
    public OffPoolMetrics(OffPool pool, Iterable<Tag> tags, int topSites) {
        this(pool, tags, topSites, STATS_REUSE, SITE_REFRESH);
    }

    /** As the public constructor, with the snapshot reuse and the site refresh set (tests shorten them). */
    OffPoolMetrics(OffPool pool, Iterable<Tag> tags, int topSites, Duration statsReuse, Duration siteRefresh) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
        if (topSites < 0 || topSites > 100) {
            throw new IllegalArgumentException("topSites must be 0 to 100, was " + topSites);
        }
        this.topSites = topSites;
        this.statsReuseNanos = statsReuse.toNanos();
        this.siteRefresh = siteRefresh;
        this.poolId = OffPoolMBeans.bufferPoolName(pool).getKeyProperty("name");
    }

    /**
     * Registers the meters with {@code registry}. Binding one instance to several registries is allowed; the call
     * sites of all of them are refreshed by one daemon thread, {@code offpool-metrics}, until {@link #close()}.
     *
     * @param registry the registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Tags withId = tags.and("id", poolId);
        gauge(registry, "jvm.buffer.count", withId, "An estimate of the number of buffers in the pool",
                BaseUnits.BUFFERS, p -> BufferPoolUsage.of(p).count());
        gauge(registry, "jvm.buffer.memory.used", withId,
                "An estimate of the memory that the Java virtual machine is using for this buffer pool",
                BaseUnits.BYTES, p -> BufferPoolUsage.of(p).memoryUsedBytes());
        gauge(registry, "jvm.buffer.total.capacity", withId,
                "An estimate of the total capacity of the buffers in this pool", BaseUnits.BYTES,
                p -> BufferPoolUsage.of(p).totalCapacityBytes());
        bindSizeClasses(registry, withId);
        Optional<RedirectSource> agent = pool.name().equals(OffPool.GLOBAL_NAME) ? RedirectSource.published()
                : Optional.empty();
        agent.ifPresent(source -> bindAgent(registry, source));
    }

    private void gauge(MeterRegistry registry, String name, Tags meterTags, String description, String unit,
                       ToDoubleFunction<OffPool> value) {
        Gauge.builder(name, pool, value).tags(meterTags).description(description).baseUnit(unit).register(registry);
    }

    private void bindSizeClasses(MeterRegistry registry, Tags withId) {
        List<SizeClassStats> classes = pool.isClosed() ? List.of() : pool.stats().sizeClasses();
        for (SizeClassStats row : classes) {
            int index = row.sizeClass();
            Tags classTags = withId.and("block.size", Integer.toString(row.blockSizeBytes()));
            Gauge.builder("offpool.size.class.used", this, m -> m.sizeClass(index, true)).tags(classTags)
                    .description("Bytes of the blocks of this size class that callers hold")
                    .baseUnit(BaseUnits.BYTES).register(registry);
            Gauge.builder("offpool.size.class.free", this, m -> m.sizeClass(index, false)).tags(classTags)
                    .description("Free bytes of this size class: in thread caches and in the class's pools")
                    .baseUnit(BaseUnits.BYTES).register(registry);
        }
    }

    private double sizeClass(int index, boolean used) {
        PoolStats stats = sharedStats();
        if (stats == null || index >= stats.sizeClasses().size()) {
            return 0;
        }
        SizeClassStats row = stats.sizeClasses().get(index);
        long blocks = used ? row.blocksInUse() : row.blocksCached() + row.blocksAvailable();
        return (double) blocks * row.blockSizeBytes();
    }

    /** {@return a snapshot at most {@link #STATS_REUSE} old, or null once the allocator is closed} */
    private synchronized PoolStats sharedStats() {
        long now = System.nanoTime();
        if (shared == null || now - sharedAtNanos >= statsReuseNanos) {
            try {
                shared = pool.stats();
            } catch (IllegalStateException closed) {
                return null;
            }
            sharedAtNanos = now;
        }
        return shared;
    }

    private void bindAgent(MeterRegistry registry, RedirectSource source) {
        Gauge.builder("offpool.agent.live.bytes", source, s -> s.totals().liveBytes()).tags(tags)
                .description("Capacities of the agent's redirected buffers not freed yet (the JDK's direct pool "
                        + "counts them)").baseUnit(BaseUnits.BYTES).register(registry);
        Gauge.builder("offpool.agent.live.buffers", source, s -> s.totals().liveBuffers()).tags(tags)
                .description("The agent's redirected buffers not freed yet").baseUnit(BaseUnits.BUFFERS)
                .register(registry);
        FunctionCounter.builder("offpool.agent.redirected", source, s -> s.totals().redirected()).tags(tags)
                .description("Direct buffers the agent served from offpool's pools").baseUnit(BaseUnits.BUFFERS)
                .register(registry);
        fellBack(registry, source, "over.limit", t -> t.fellBackOverLimit());
        fellBack(registry, source, "allocator.full", t -> t.fellBackAllocatorFull());
        fellBack(registry, source, "allocator.closed", t -> t.fellBackAllocatorClosed());
        fellBack(registry, source, "internal.error", t -> t.fellBackInternalError());
        if (topSites > 0) {
            MultiGauge liveBytes = MultiGauge.builder("offpool.agent.site.live.bytes").tags(tags)
                    .description("Live bytes of a call site among those holding the most")
                    .baseUnit(BaseUnits.BYTES).register(registry);
            MultiGauge liveBuffers = MultiGauge.builder("offpool.agent.site.live.buffers").tags(tags)
                    .description("Live buffers of a call site among those holding the most live bytes")
                    .baseUnit(BaseUnits.BUFFERS).register(registry);
            Runnable refresh = () -> refreshSites(source, liveBytes, liveBuffers);
            refresh.run();
            synchronized (this) {
                if (refresher == null) {
                    refresher = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                            .name("offpool-metrics").unstarted(r));
                }
                refresher.scheduleWithFixedDelay(refresh, siteRefresh.toMillis(), siteRefresh.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        }
    }

    private void fellBack(MeterRegistry registry, RedirectSource source, String reason,
                          ToDoubleFunction<RedirectSource.Totals> count) {
        FunctionCounter.builder("offpool.agent.fell.back", source, s -> count.applyAsDouble(s.totals()))
                .tags(tags.and("reason", reason))
                .description("Requests the agent was to redirect but left to the JDK, by reason")
                .baseUnit("requests").register(registry);
    }

    private void refreshSites(RedirectSource source, MultiGauge liveBytes, MultiGauge liveBuffers) {
        try {
            List<RedirectSource.Site> sites = new ArrayList<>(source.sites());
            sites.sort(Comparator.comparingLong(RedirectSource.Site::liveBytes).reversed()
                    .thenComparing(Comparator.comparingLong(RedirectSource.Site::allocations).reversed()));
            List<MultiGauge.Row<?>> bytes = new ArrayList<>();
            List<MultiGauge.Row<?>> buffers = new ArrayList<>();
            for (RedirectSource.Site site : sites.subList(0, Math.min(topSites, sites.size()))) {
                Tags siteTags = Tags.of("class", site.className(), "method", site.method(), "line",
                        Integer.toString(site.line()));
                bytes.add(MultiGauge.Row.of(siteTags, site.liveBytes()));
                buffers.add(MultiGauge.Row.of(siteTags, site.liveBuffers()));
            }
            liveBytes.register(bytes, true);
            liveBuffers.register(buffers, true);
        } catch (RuntimeException e) {
            // A failing source must not end the refresh thread: the rows keep their last values.
        }
    }

    /** Stops refreshing the call sites' series; the meters stay registered. Later calls do nothing. */
    @Override
    public synchronized void close() {
        if (refresher != null) {
            refresher.shutdownNow();
            refresher = null;
        }
    }
}
