package dev.offpool.agent.redirect;

import dev.offpool.spi.RedirectSource;

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
        return redirector.stats();
    }

    @Override
    public List<Site> sites() {
        return redirector.config().sites() ? redirector.sites() : List.of();
    }
}
