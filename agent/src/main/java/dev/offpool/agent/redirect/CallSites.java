package dev.offpool.agent.redirect;

import dev.offpool.agent.SiteStats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The redirected call sites and their counters. A site is a method that calls {@code ByteBuffer.allocateDirect}; it
 * is registered once, when the agent transforms its class, and its id is compiled into the call as a constant.
 * Several calls in one method share the method's site; a class loaded by several class loaders has one site per
 * method name, not per loader.
 *
 * <p>Registration is rare and synchronized; the counters are read by index from a copy-on-write array and updated
 * with atomic adds (no stack walk, no map lookup, no allocation): for a per-buffer redirect two per allocation and
 * two per free; for slab buffers a slab at a time (see {@link Slab}, "Counting"): a slab's allocations are added
 * when it is sealed, its frees when it is released. Until then a snapshot reads them from the slab itself
 * ({@link #snapshot(Pending)}), so a site's counts move with each buffer allocated or freed explicitly all the
 * same.
 */
public final class CallSites {
    private static final Map<String, Integer> idsByKey = new HashMap<>(); // guarded by CallSites.class
    /** Index = site id; slot 0 is for calls whose site is unknown. Replaced whole when a site is added. */
    private static volatile Site[] sites = {new Site("(unknown)", "(unknown)")};

    private CallSites() {
    }

    /**
     * Registers a call site, or finds it if it is registered already (a class retransformed, or loaded again by
     * another class loader).
     *
     * @param className the binary name of the class whose method calls {@code allocateDirect}
     * @param method    the method's name and parameter types, such as {@code read(int, ByteBuffer)}
     * @return the site's id, a small positive number
     */
    public static synchronized int register(String className, String method) {
        String key = className + '#' + method;
        Integer known = idsByKey.get(key);
        if (known != null) {
            return known;
        }
        Site[] grown = Arrays.copyOf(sites, sites.length + 1);
        int id = sites.length;
        grown[id] = new Site(className, method);
        sites = grown;
        idsByKey.put(key, id);
        return id;
    }

    /** {@return the site with this id, or the unknown site if the id is out of range} */
    static Site site(int id) {
        Site[] current = sites;
        return id > 0 && id < current.length ? current[id] : current[0];
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
    static List<SiteStats> snapshot(Pending pending) {
        Site[] current = sites;
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
        List<SiteStats> result = new ArrayList<>();
        for (int id = 0; id < current.length; id++) {
            SiteStats stats = current[id].snapshot(allocations[id], frees[id], liveBytes[id]);
            if (stats.allocations() > 0) {
                result.add(stats);
            }
        }
        result.sort(Comparator.comparingLong(SiteStats::liveBytes).reversed()
                .thenComparing(Comparator.comparingLong(SiteStats::allocations).reversed()));
        return result;
    }

    /** One site's counters. {@code liveBytes} moves both ways; the others only grow. */
    static final class Site {
        private static final VarHandle ALLOCATIONS;
        private static final VarHandle FREES;
        private static final VarHandle LIVE_BYTES;
        private static final VarHandle PEAK_LIVE_BYTES;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                ALLOCATIONS = lookup.findVarHandle(Site.class, "allocations", long.class);
                FREES = lookup.findVarHandle(Site.class, "frees", long.class);
                LIVE_BYTES = lookup.findVarHandle(Site.class, "liveBytes", long.class);
                PEAK_LIVE_BYTES = lookup.findVarHandle(Site.class, "peakLiveBytes", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final String className;
        final String method;
        private volatile long allocations;
        private volatile long frees;
        private volatile long liveBytes;
        private volatile long peakLiveBytes;

        Site(String className, String method) {
            this.className = className;
            this.method = method;
        }

        void allocated(int bytes) {
            allocated(1, bytes);
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

        void freed(int bytes) {
            freed(1, bytes);
        }

        /** {@code buffers} frees of {@code bytes} bytes in all. */
        void freed(long buffers, long bytes) {
            FREES.getAndAdd(this, buffers);
            LIVE_BYTES.getAndAdd(this, -bytes);
        }

        /** The counters plus what is pending: allocations, frees and the live bytes they make. */
        SiteStats snapshot(long pendingAllocations, long pendingFrees, long pendingLiveBytes) {
            long allocated = allocations + pendingAllocations;
            long live = Math.max(0, liveBytes + pendingLiveBytes);
            return new SiteStats(className, method, Math.max(0, allocated - frees - pendingFrees), live,
                    Math.max(peakLiveBytes, live), allocated);
        }
    }
}
