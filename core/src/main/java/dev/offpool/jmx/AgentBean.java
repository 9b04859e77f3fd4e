package dev.offpool.jmx;

import dev.offpool.spi.RedirectSource;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** The {@link AgentMXBean} over a {@link RedirectSource}. */
final class AgentBean extends DescribedMBean implements AgentMXBean {
    private final RedirectSource source;

    AgentBean(RedirectSource source) {
        super(AgentMXBean.class);
        this.source = source;
    }

    @Override
    public long getKeptOnJdk() {
        return source.totals().keptOnJdk();
    }

    @Override
    public long getRefusedAtLimit() {
        return source.totals().refusedAtLimit();
    }

    @Override
    public long getRedirected() {
        return source.totals().redirected();
    }

    @Override
    public long getFellBack() {
        return source.totals().fellBack();
    }

    @Override
    public long getFellBackOverLimit() {
        return source.totals().fellBackOverLimit();
    }

    @Override
    public long getFellBackAllocatorFull() {
        return source.totals().fellBackAllocatorFull();
    }

    @Override
    public long getFellBackAllocatorClosed() {
        return source.totals().fellBackAllocatorClosed();
    }

    @Override
    public long getFellBackInternalError() {
        return source.totals().fellBackInternalError();
    }

    @Override
    public long getOutsideSizeRange() {
        return source.totals().outsideSizeRange();
    }

    @Override
    public long getFreedByGc() {
        return source.totals().freedByGc();
    }

    @Override
    public long getFreedExplicitly() {
        return source.totals().freedExplicitly();
    }

    @Override
    public long getReleaseFailures() {
        return source.totals().releaseFailures();
    }

    @Override
    public long getLiveBuffers() {
        return source.totals().liveBuffers();
    }

    @Override
    public long getLiveBytes() {
        return source.totals().liveBytes();
    }

    @Override
    public long getLimitBytes() {
        return source.totals().limitBytes();
    }

    @Override
    public SortedMap<String, RedirectSource.Site> getTopCallSites() {
        SortedMap<String, RedirectSource.Site> rows = new TreeMap<>();
        for (RedirectSource.Site site : topCallSites(source.sites())) {
            rows.putIfAbsent(site.site(), site);
        }
        return rows;
    }

    /** {@return the {@value #TOP_CALL_SITES} of {@code all} holding the most live bytes, then the most allocations} */
    static List<RedirectSource.Site> topCallSites(List<RedirectSource.Site> all) {
        List<RedirectSource.Site> sites = new ArrayList<>(all);
        sites.sort(Comparator.comparingLong(RedirectSource.Site::liveBytes).reversed()
                .thenComparing(Comparator.comparingLong(RedirectSource.Site::allocations).reversed()));
        return List.copyOf(sites.subList(0, Math.min(TOP_CALL_SITES, sites.size())));
    }
}
