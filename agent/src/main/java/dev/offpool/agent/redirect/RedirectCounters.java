package dev.offpool.agent.redirect;

import dev.offpool.agent.RedirectStats;
import dev.offpool.agent.SiteStats;
import dev.offpool.spi.RedirectSource;

import java.util.ArrayList;
import java.util.List;

/**
 * The running redirector's counters and call sites in the form core's observability reads: what feeds the
 * {@code offpool.AgentRedirects} and {@code offpool.AgentCallSite} JFR events and the {@code dev.offpool:type=Agent}
 * bean. Each call reads the counters afresh.
 */
final class RedirectCounters implements RedirectSource {
    private final Redirector redirector;

    RedirectCounters(Redirector redirector) {
        this.redirector = redirector;
    }

    @Override
    public Totals totals() {
        RedirectStats s = redirector.stats();
        return new Totals(s.redirected(), 0, s.outsideSizeRange(), s.fellBackOverLimit(), s.fellBackAllocatorFull(),
                s.fellBackAllocatorClosed(), s.fellBackInternalError(), 0, s.freedByGc(), s.freedExplicitly(),
                s.releaseFailures(), s.liveBuffers(), s.liveBytes(), s.limitBytes());
    }

    @Override
    public List<Site> sites() {
        if (!redirector.config().sites()) {
            return List.of();
        }
        List<SiteStats> snapshot = redirector.sites();
        List<Site> sites = new ArrayList<>(snapshot.size());
        for (SiteStats s : snapshot) {
            sites.add(new Site(s.className(), s.method(), -1, true, "redirected", s.liveBuffers(), s.liveBytes(),
                    s.peakLiveBytes(), s.allocations(), 0));
        }
        return sites;
    }
}
