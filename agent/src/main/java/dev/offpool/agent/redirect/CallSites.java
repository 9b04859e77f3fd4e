package dev.offpool.agent.redirect;

import dev.offpool.spi.RedirectSource;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The instrumented call sites and their counters. A site is one {@code allocateDirect} call in a method: its class,
 * its method, the call's line and its place among the method's calls (two calls on one line are two sites). It is
 * registered once, when the agent transforms its class, and its id is compiled into the call as a constant; a class
 * loaded by several class loaders has one site per call, not per loader.
 *
 * <p>Registration is rare and synchronized; the counters are read by index from a copy-on-write array and updated
 * with atomic adds (no stack walk, no map lookup, no allocation): for a per-buffer redirect two per allocation and
 * two per free; for slab buffers a slab at a time (see {@link Slab}, "Counting"): a slab's allocations are added
 * when it is sealed, its frees when it is released. Until then a snapshot reads them from the slab itself
 * ({@link #snapshot(Pending)}), so a site's counts move with each buffer allocated or freed explicitly all the
 * same.
 *
 * <p>Each site also has a mode, redirected or kept on the JDK's path, which {@link SitePolicy} sets from what the
 * site's buffers do, unless the user forced it ({@link Forced}).
 */
public final class CallSites {
    /** What the user asked for a site, from the agent's {@code alwaysRedirect} and {@code neverRedirect} options. */
    public enum Forced {
        /** Nothing: the site's mode follows its buffers ({@link SitePolicy}). */
        NO,
        /** Always redirected. */
        REDIRECT,
        /** Always on the JDK's path, with accounting. */
        JDK
    }

    private static final Map<String, Integer> idsByKey = new HashMap<>(); // guarded by CallSites.class
    /** Index = site id; slot 0 is for calls whose site is unknown. Replaced whole when a site is added. */
    private static volatile SiteCounters[] sites = {new SiteCounters("(unknown)", "(unknown)", -1, Forced.NO, false)};

    private CallSites() {
    }

    /**
     * Registers a call site, or finds it if it is registered already (a class retransformed, or loaded again by
     * another class loader).
     *
     * @param className the binary name of the class whose method calls {@code allocateDirect}
     * @param method    the method's name and parameter types, such as {@code read(int, ByteBuffer)}
     * @param ordinal   the call's place among the method's {@code allocateDirect} calls, from 0
     * @param line      the call's source line, or -1 if the class has no line numbers
     * @param forced    the mode the user forced for the class, if any
     * @return the site's id, a small positive number
     * @throws NullPointerException if a name or {@code forced} is null
     */
    public static int register(String className, String method, int ordinal, int line, Forced forced) {
        return register(className, method, ordinal, line, forced, false);
    }

    /**
     * Registers a call site, or finds it, telling whether it is in a pass-through helper: a method such as Jetty's
     * {@code BufferUtil.allocateDirect(int)} that allocates on its callers' behalf, whose buffers are counted at
     * the instrumented caller that called it ({@link BufferRedirect#enterHelper}).
     *
     * @param className   the binary name of the class whose method makes the call
     * @param method      the method's name and parameter types; for a helper's caller, also the helper it calls
     * @param ordinal     the call's place among the method's calls of the same callee, from 0
     * @param line        the call's source line, or -1 if the class has no line numbers
     * @param forced      the mode the user forced for the class, if any
     * @param passThrough true if the method is a pass-through helper
     * @return the site's id, a small positive number
     * @throws NullPointerException if a name or {@code forced} is null
     */
    public static synchronized int register(String className, String method, int ordinal, int line, Forced forced,
                                            boolean passThrough) {
        String key = className + '#' + method + '#' + ordinal;
        Integer known = idsByKey.get(key);
        if (known != null) {
            return known;
        }
        SiteCounters[] grown = Arrays.copyOf(sites, sites.length + 1);
        int id = sites.length;
        grown[id] = new SiteCounters(className, method, line, forced, passThrough);
        sites = grown;
        idsByKey.put(key, id);
        return id;
    }

    /** {@return the site with this id, or the unknown site if the id is out of range} */
    static SiteCounters site(int id) {
        SiteCounters[] current = sites;
        return id > 0 && id < current.length ? current[id] : current[0];
    }

    /** {@return every registered site, the unknown one first} */
    static SiteCounters[] all() {
        return sites;
    }

    /** Counts not yet added to the sites' counters: what the slabs not released yet hold. */
    @FunctionalInterface
    interface Pending {
        /** Hands every pending count to {@code sink}; a site may come several times. */
        void addTo(Slab.Pending sink);
    }

    /**
     * {@return every site that ever allocated, most live bytes first, then most allocations}
     *
     * @param pending counts to add to the sites' own: the slab buffers' allocations not yet published and frees
     *                not yet released
     */
    static List<RedirectSource.Site> snapshot(Pending pending) {
        SiteCounters[] current = sites;
        long[] allocations = new long[current.length];
        long[] frees = new long[current.length];
        long[] liveBytes = new long[current.length];
        pending.addTo(new Slab.Pending() {
            @Override
            public void buffers(long allocated, long freed) {
                // per site only
            }

            @Override
            public void site(int site, long siteAllocations, long siteFrees, long siteLiveBytes) {
                if (site > 0 && site < current.length) {
                    allocations[site] += siteAllocations;
                    frees[site] += siteFrees;
                    liveBytes[site] += siteLiveBytes;
                }
            }
        });
        List<RedirectSource.Site> result = new ArrayList<>();
        for (int id = 0; id < current.length; id++) {
            RedirectSource.Site stats = current[id].snapshot(allocations[id], frees[id], liveBytes[id]);
            if (stats.allocations() > 0) {
                result.add(stats);
            }
        }
        result.sort(Comparator.comparingLong(RedirectSource.Site::liveBytes).reversed()
                .thenComparing(Comparator.comparingLong(RedirectSource.Site::allocations).reversed()));
        return result;
    }

    /**
     * One site's counters and mode. {@code liveBytes} moves both ways; the others only grow. The tracked counts are
     * those of the buffers whose death the agent sees one by one (blocks of their own, and the JDK's buffers of a
     * site kept on the JDK's path): what {@link SitePolicy} reads lifetimes from.
     */
    static final class SiteCounters {
        private static final VarHandle ALLOCATIONS;
        private static final VarHandle FREES;
        private static final VarHandle LIVE_BYTES;
        private static final VarHandle PEAK_LIVE_BYTES;
        private static final VarHandle TRACKED_ALLOCATIONS;
        private static final VarHandle TRACKED_FREES;
        private static final VarHandle FELL_BACK;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                ALLOCATIONS = lookup.findVarHandle(SiteCounters.class, "allocations", long.class);
                FREES = lookup.findVarHandle(SiteCounters.class, "frees", long.class);
                LIVE_BYTES = lookup.findVarHandle(SiteCounters.class, "liveBytes", long.class);
                PEAK_LIVE_BYTES = lookup.findVarHandle(SiteCounters.class, "peakLiveBytes", long.class);
                TRACKED_ALLOCATIONS = lookup.findVarHandle(SiteCounters.class, "trackedAllocations", long.class);
                TRACKED_FREES = lookup.findVarHandle(SiteCounters.class, "trackedFrees", long.class);
                FELL_BACK = lookup.findVarHandle(SiteCounters.class, "fellBack", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final String className;
        final String method;
        final int line;
        final Forced forced;
        /** True for a call in a pass-through helper: its buffers are counted at the helper's caller, if known. */
        final boolean passThrough;
        /** The mode: true while the site's buffers come from the pools. Written by {@link SitePolicy} only. */
        volatile boolean redirected;
        /** Why the site has its mode, for the report. */
        volatile String reason;
        private volatile long allocations;
        private volatile long frees;
        private volatile long liveBytes;
        private volatile long peakLiveBytes;
        private volatile long trackedAllocations;
        private volatile long trackedFrees;
        private volatile long fellBack;
        /** {@link SitePolicy}'s, on the release thread only: tracked allocations at the last GC epochs. */
        final long[] trackedAtEpoch = new long[SitePolicy.COHORT_EPOCHS + 1];

        SiteCounters(String className, String method, int line, Forced forced, boolean passThrough) {
            this.passThrough = passThrough;
            this.className = className;
            this.method = method;
            this.line = line;
            this.forced = forced;
            this.redirected = forced != Forced.JDK;
            this.reason = switch (forced) {
                case NO -> "redirected: no lifetimes measured yet";
                case REDIRECT -> "redirected: forced by alwaysRedirect";
                case JDK -> "kept on the JDK's path: forced by neverRedirect";
            };
        }

        /** {@code buffers} allocations of {@code bytes} bytes in all. */
        void allocated(long buffers, long bytes) {
            ALLOCATIONS.getAndAdd(this, buffers);
            long live = (long) LIVE_BYTES.getAndAdd(this, bytes) + bytes;
            // The peak is raced only when it moves: a plain read first keeps the common case to one load.
            long peak;
            while (live > (peak = peakLiveBytes)) {
                if (PEAK_LIVE_BYTES.compareAndSet(this, peak, live)) {
                    break;
                }
            }
        }

        /** One allocation whose death is seen on its own. */
        void allocatedTracked(int bytes) {
            allocated(1, bytes);
            TRACKED_ALLOCATIONS.getAndAdd(this, 1L);
        }

        /** {@code buffers} frees of {@code bytes} bytes in all. */
        void freed(long buffers, long bytes) {
            FREES.getAndAdd(this, buffers);
            LIVE_BYTES.getAndAdd(this, -bytes);
        }

        /** One free of a tracked allocation. */
        void freedTracked(int bytes) {
            freed(1, bytes);
            TRACKED_FREES.getAndAdd(this, 1L);
        }

        /** A redirect of this site that went to the JDK's path after all. */
        void fellBack() {
            FELL_BACK.getAndAdd(this, 1L);
        }

        long allocations() {
            return allocations;
        }

        long trackedAllocations() {
            return trackedAllocations;
        }

        long trackedFrees() {
            return trackedFrees;
        }

        /** The counters plus what is pending: allocations, frees and the live bytes they make. */
        RedirectSource.Site snapshot(long pendingAllocations, long pendingFrees, long pendingLiveBytes) {
            long allocated = allocations + pendingAllocations;
            long live = Math.max(0, liveBytes + pendingLiveBytes);
            return new RedirectSource.Site(className, method, line, redirected, reason,
                    Math.max(0, allocated - frees - pendingFrees), live, Math.max(peakLiveBytes, live), allocated,
                    fellBack);
        }
    }
}
