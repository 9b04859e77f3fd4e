package dev.offpool.agent.redirect;

import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * The slabs not yet released, found by their memory's scope: how an explicit free on any thread gets from a buffer
 * ({@code MemorySegment.ofBuffer(buffer).scope()}) to its slab, and how the counters find the slabs whose counts are
 * not published yet. A slab is added once, when it is made, and removed once, by its release.
 *
 * <p>Filed by the scope's identity hash in 64 stripes, each an open-addressing table (linear probing, deletion by
 * moving back the rest of the run) under its own monitor; a lookup compares hashes, then asks the slab whether it
 * {@linkplain Slab#refersTo refers to} the scope. The table holds the slabs, which hold their scopes only weakly, so
 * being here never keeps a slab's memory from its GC release.
 */
final class SlabDirectory {
    private static final int STRIPE_BITS = 6;
    private static final int INITIAL_ENTRIES = 16;

    private final Stripe[] stripes = new Stripe[1 << STRIPE_BITS];

    SlabDirectory() {
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Stripe();
        }
    }

    void add(Slab slab) {
        Stripe stripe = stripeOf(slab.scopeHash);
        synchronized (stripe) {
            stripe.add(slab);
        }
    }

    /** {@return the slab whose scope is {@code scope}, or null} */
    Slab find(MemorySegment.Scope scope) {
        int hash = System.identityHashCode(scope);
        Stripe stripe = stripeOf(hash);
        synchronized (stripe) {
            return stripe.find(scope, hash);
        }
    }

    /** Removes {@code slab} if it is here. */
    void remove(Slab slab) {
        Stripe stripe = stripeOf(slab.scopeHash);
        synchronized (stripe) {
            stripe.remove(slab);
        }
    }

    /** Runs {@code action} on every slab here, one stripe at a time under its lock; {@code action} must be short. */
    void forEach(Consumer<Slab> action) {
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                for (Slab slab : stripe.entries) {
                    if (slab != null) {
                        action.accept(slab);
                    }
                }
            }
        }
    }

    /** {@return the number of slabs here} */
    int size() {
        int size = 0;
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                size += stripe.size;
            }
        }
        return size;
    }

    private Stripe stripeOf(int hash) {
        return stripes[mix(hash) >>> (32 - STRIPE_BITS)];
    }

    /** Fibonacci hashing: identity hashes are not spread well enough in their low bits to index by them. */
    private static int mix(int hash) {
        return hash * 0x9E3779B9;
    }

    /** Invariant: every slab sits at or after its home index with no empty entry between; at most half full. */
    private static final class Stripe {
        Slab[] entries = new Slab[INITIAL_ENTRIES];
        int size;

        private int home(int hash, int length) {
            return (mix(hash) << STRIPE_BITS >>> STRIPE_BITS) & (length - 1);
        }

        Slab find(MemorySegment.Scope scope, int hash) {
            int mask = entries.length - 1;
            for (int i = home(hash, entries.length); ; i = (i + 1) & mask) {
                Slab slab = entries[i];
                if (slab == null) {
                    return null;
                }
                if (slab.scopeHash == hash && slab.refersTo(scope)) {
                    return slab;
                }
            }
        }

        void add(Slab slab) {
            if (2 * (size + 1) > entries.length) {
                Slab[] old = entries;
                entries = new Slab[old.length * 2];
                for (Slab s : old) {
                    if (s != null) {
                        insert(s);
                    }
                }
            }
            insert(slab);
            size++;
        }

        private void insert(Slab slab) {
            int mask = entries.length - 1;
            int i = home(slab.scopeHash, entries.length);
            while (entries[i] != null) {
                i = (i + 1) & mask;
            }
            entries[i] = slab;
        }

        void remove(Slab slab) {
            int mask = entries.length - 1;
            int hole = home(slab.scopeHash, entries.length);
            while (entries[hole] != slab) {
                if (entries[hole] == null) {
                    return;
                }
                hole = (hole + 1) & mask;
            }
            // Move back every later entry of the run that could no longer be found across the hole.
            for (int next = (hole + 1) & mask; entries[next] != null; next = (next + 1) & mask) {
                int home = home(entries[next].scopeHash, entries.length);
                boolean homeAfterHole = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
                if (!homeAfterHole) {
                    entries[hole] = entries[next];
                    hole = next;
                }
            }
            entries[hole] = null;
            size--;
        }
    }
}
