package dev.offpool.agent.redirect;

import dev.offpool.OffPool;
import dev.offpool.spi.RedirectSource;

import java.util.List;

/** Formats the agent's report: redirect counters, the top call sites by live bytes, the pool's stats table. */
public final class RedirectReport {
    /** Sites listed, at most; the rest are summed in one line. */
    static final int TOP_SITES = 20;

    private RedirectReport() {
    }

    /**
     * {@return the report}
     *
     * @param redirector the running redirector
     * @param when       what the heading says about the moment, such as {@code "at exit"}
     */
    public static String text(Redirector redirector, String when) {
        RedirectSource.Totals stats = redirector.stats();
        StringBuilder out = new StringBuilder();
        out.append("=== offpool agent report (").append(when).append(") ===\n");
        line(out, "# direct buffers redirected", stats.redirected());
        line(out, "# kept on the JDK's path (site mode)", stats.keptOnJdk());
        line(out, "# refused at the JDK's limit (OOME)", stats.refusedAtLimit());
        line(out, "# fell back to the JDK", stats.fellBack());
        line(out, "#   allocator full", stats.fellBackAllocatorFull());
        line(out, "#   allocator closed", stats.fellBackAllocatorClosed());
        line(out, "#   internal error", stats.fellBackInternalError());
        line(out, "# outside minBytes..maxBytes (JDK's)", stats.outsideSizeRange());
        line(out, "# freed by the GC", stats.freedByGc());
        line(out, "# freed explicitly", stats.freedExplicitly());
        line(out, "# frees that failed in the agent", stats.releaseFailures());
        line(out, "# live redirected buffers", stats.liveBuffers());
        line(out, "# bytes held by redirected buffers", stats.liveBytes());
        line(out, "#   in slabs (32 KiB each)", redirector.slabBytes());
        line(out, "# JDK direct-memory limit (bytes)", stats.limitBytes());
        line(out, "# JDK direct memory reserved (bytes)", JdkDirectMemory.reservedCapacityBytes());
        line(out, "# GCs seen by the site policy", redirector.gcEpochs());
        if (redirector.notRedirecting() != null) {
            out.append("nothing is redirected: ").append(redirector.notRedirecting()).append('\n');
        }
        if (Redirector.isNettyLoaded()) {
            out.append("note: Netty is loaded. Netty 4.2 on JDK 25 calls ByteBuffer.allocateDirect (CleanerJava9)\n"
                    + "  only where sun.misc.Unsafe is usable; with -Dio.netty.noUnsafe=true it mallocs through the\n"
                    + "  FFM linker and the agent sees none of its buffers (agent/README.md, \"What is caught\").\n");
        }
        Throwable error = redirector.firstInternalError();
        if (error != null) {
            out.append("first internal error: ").append(error).append('\n');
        }
        if (redirector.config().sites()) {
            sites(out, redirector.sites());
        } else {
            out.append("\ncall sites: not tracked (sites=false)\n");
        }
        out.append('\n');
        try {
            out.append(OffPool.global().stats().toTable());
        } catch (RuntimeException e) {
            out.append("offpool stats unavailable: ").append(e).append('\n');
        }
        return out.toString();
    }

    private static void sites(StringBuilder out, List<RedirectSource.Site> sites) {
        out.append(String.format("%ntop call sites by live bytes%n%12s %16s %16s %14s %10s  %s%n", "live bufs",
                "live bytes", "peak bytes", "allocations", "fell back", "site, mode and why"));
        out.append("------------ ---------------- ---------------- -------------- ----------  ------------------\n");
        int shown = Math.min(TOP_SITES, sites.size());
        for (int i = 0; i < shown; i++) {
            RedirectSource.Site s = sites.get(i);
            out.append(String.format("%,12d %,16d %,16d %,14d %,10d  %s%n%70s%s%n", s.liveBuffers(), s.liveBytes(),
                    s.peakLiveBytes(), s.allocations(), s.fellBack(), s.site(), "", s.reason()));
        }
        if (sites.size() > shown) {
            long bytes = sites.subList(shown, sites.size()).stream().mapToLong(RedirectSource.Site::liveBytes).sum();
            out.append(String.format("%12s %,16d %16s %14s  (%d more sites)%n", "", bytes, "", "",
                    sites.size() - shown));
        }
        if (sites.isEmpty()) {
            out.append("(no allocation at an instrumented site yet)\n");
        }
    }

    /** The line format of every offpool stats table. */
    private static void line(StringBuilder out, String label, long value) {
        out.append(String.format("%-40s = %,18d%n", label, value));
    }
}
