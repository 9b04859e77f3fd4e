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
 * with atomic adds, two per allocation and two per free (no stack walk, no map lookup, no allocation).
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

    /** {@return every site that ever allocated, most live bytes first, then most allocations} */
    public static List<SiteStats> snapshot() {
        List<SiteStats> result = new ArrayList<>();
        for (Site site : sites) {
            SiteStats stats = site.snapshot();
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
            ALLOCATIONS.getAndAdd(this, 1L);
            long live = (long) LIVE_BYTES.getAndAdd(this, (long) bytes) + bytes;
            // The peak is raced only when it moves: a plain read first keeps the common case to one load.
            long peak;
            while (live > (peak = peakLiveBytes)) {
                if (PEAK_LIVE_BYTES.compareAndSet(this, peak, live)) {
                    break;
                }
            }
        }

        void freed(int bytes) {
            FREES.getAndAdd(this, 1L);
            LIVE_BYTES.getAndAdd(this, -(long) bytes);
        }

        SiteStats snapshot() {
            long allocated = allocations;
            return new SiteStats(className, method, Math.max(0, allocated - frees), liveBytes, peakLiveBytes,
                    allocated);
        }
    }
}
