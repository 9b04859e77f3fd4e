package dev.offpool.agent.redirect;

/**
 * Decides, per call site, whether its buffers are redirected or kept on the JDK's path, from how long they live.
 *
 * <h2>Why per site</h2>
 * A redirect pays where buffers churn: a buffer allocated, used for a request and dropped costs the JDK a
 * {@code Cleaner} registration, a reference for the GC to process, and the reservation's atomics, where the pools
 * recycle a block from a thread cache. A buffer that lives long, such as one that a server's own pool allocates
 * once and keeps, gains nothing: it is allocated once either way, and while it lives its pool block is one more
 * block that the pools keep (and, for a block of its own, one more phantom record for the GC to trace). So a site
 * whose buffers outlive collections goes to the JDK's path; its accounting stays (a record per buffer, as few as the
 * site allocates).
 *
 * <h2>How lifetimes are measured</h2>
 * A GC epoch ends when the collector clears a weak sentinel, which the redirector's release thread sees on its
 * reference queue ({@link #epoch}). At each epoch every site's count of tracked allocations (buffers whose death the
 * agent sees one by one: blocks of their own, and JDK buffers of a site on the JDK's path) is remembered. The
 * <em>cohort</em> is the site's tracked allocations up to {@value #COHORT_EPOCHS} epochs ago; of them at least
 * {@code cohort - trackedFrees} are still live (every free counted since may have been of a newer buffer). With a
 * cohort of at least {@value #MIN_COHORT} buffers:
 * <pre>
 *   redirected ── at least half the cohort still live ───────────▶ kept on the JDK's path
 *   JDK's path ── less than a quarter of the cohort still live ──▶ redirected
 * </pre>
 * The gap between the two keeps a site from flapping. Sites whose buffers all come from slabs (small ones) have
 * no tracked buffers and stay redirected: a slab buffer costs no reference of its own, long-lived or not, and a slab
 * that live buffers pin sends their site to blocks of their own ({@link SlabAllocator#prefersOwnBlocks}), whose
 * lifetimes are then tracked. A site forced by the user ({@link CallSites.Forced}) keeps its mode.
 */
final class SitePolicy {
    /** How many GC epochs back the cohort reaches: buffers that survived this many collections are long-lived. */
    static final int COHORT_EPOCHS = 2;
    /** The fewest buffers in a cohort the policy decides on. */
    static final int MIN_COHORT = 32;

    private long epochs;

    /** {@return how many GC epochs ended since the start} */
    long epochs() {
        return epochs;
    }

    /** A GC epoch ended: remembers every site's tracked allocations, and moves the sites whose lifetimes say so. */
    void epoch() {
        epochs++;
        CallSites.SiteCounters[] sites = CallSites.all();
        for (int id = 1; id < sites.length; id++) {
            CallSites.SiteCounters site = sites[id];
            long[] history = site.trackedAtEpoch;
            System.arraycopy(history, 1, history, 0, history.length - 1);
            history[history.length - 1] = site.trackedAllocations();
            if (site.forced == CallSites.Forced.NO) {
                decide(site, history[0]);
            }
        }
    }

    private static void decide(CallSites.SiteCounters site, long cohort) {
        if (site.trackedAllocations() == 0) {
            if (site.allocations() > 0) {
                site.reason = "redirected: its buffers are small and come from slabs, whatever they live";
            }
            return;
        }
        if (cohort < MIN_COHORT) {
            if (site.redirected) {
                site.reason = "redirected: " + cohort + " of its buffers are from before the last " + COHORT_EPOCHS
                        + " GCs, too few (under " + MIN_COHORT + ") to judge their lifetimes yet";
            }
            return;
        }
        long live = Math.max(0, cohort - site.trackedFrees());
        long percent = live * 100 / cohort;
        if (site.redirected) {
            if (live * 2 >= cohort) {
                site.reason = "kept on the JDK's path: " + percent + "% of its " + cohort + " buffers from before the"
                        + " last " + COHORT_EPOCHS + " GCs are still live (long-lived: a redirect gains nothing)";
                site.redirected = false;
            } else {
                site.reason = "redirected: " + (100 - percent) + "% of its " + cohort + " buffers from before the"
                        + " last " + COHORT_EPOCHS + " GCs were freed (they churn)";
            }
        } else if (live * 4 < cohort) {
            site.reason = "redirected again: " + (100 - percent) + "% of its " + cohort + " buffers from before the"
                    + " last " + COHORT_EPOCHS + " GCs were freed (they churn now)";
            site.redirected = true;
        }
    }
}
