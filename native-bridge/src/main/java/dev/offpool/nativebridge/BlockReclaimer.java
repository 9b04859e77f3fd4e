package dev.offpool.nativebridge;

import dev.offpool.OffPool;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Returns the blocks of pooled memories that became unreachable without {@code close()}: a cleaner, built so that
 * registering and deregistering on the allocating thread takes no lock and no atomic operation.
 *
 * <p>Why not {@link java.lang.ref.Cleaner}: its register and clean each take a monitor on one shared list, four
 * atomic operations per memory. In smoke runs on the project's shared 2-core machine its register + clean alone took
 * about as long as the pool's own allocate + free (20 to 35 ns each), and a pooled {@code Memory} built on it was only
 * about 2.5x faster than JNA's {@code new Memory}, where the same object with no safety net was about 5x: the
 * cleaner, not the pool, was the gap to the target of {@code JnaMemoryBenchmark}.
 *
 * <h2>Layout</h2>
 * <pre>
 *   platform thread T --ThreadLocal--> Slab(owner = T)        virtual threads --thread id--> Slab(shared), one of 8
 *                                      refs[]  : Registration | null    (one slot per live memory: holds it strongly)
 *                                      free[]  : slot numbers the owner may reuse (owner only)
 *                                      remote  : Treiber stack of registrations released on other threads
 *   ALL_SLABS: every slab, so that a slab, and the registrations in it, outlive the thread that made it
 * </pre>
 *
 * <p>A {@link Registration} is a {@link PhantomReference} to its memory. Holding it in a slot keeps it reachable, so
 * the GC enqueues it once the memory is unreachable; the reclaimer thread then frees the block and releases the slot.
 * A memory closed normally calls {@link Registration#returnBlock()}, which clears the reference (so it is never
 * enqueued), frees the block and releases the slot: on the owner thread with plain stores, elsewhere by pushing the
 * registration on the slab's remote stack, which the owner drains (emptying those slots) when it runs out of free
 * slots. Shared slabs (for virtual threads, so a million of them do not make a million slabs) do the same under their
 * monitor. A slab whose owner thread has died and whose slots are all empty is dropped by the reclaimer thread's
 * periodic sweep.
 *
 * <p>Exactly once: {@code returnBlock} runs once, by the memory's own state machine, while the memory is still
 * reachable (its caller fences it), so the reference is cleared before the GC can find the memory unreachable; an
 * enqueued registration is never cleared by a close, because nobody can reach its memory to close it.
 */
final class BlockReclaimer {
    private static final int INITIAL_SLOTS = 64;
    private static final int SHARED_SLABS = 8;
    private static final long SWEEP_INTERVAL_MILLIS = 1_000;

    private static final ReferenceQueue<PooledMemory> QUEUE = new ReferenceQueue<>();
    private static final Set<Slab> ALL_SLABS = ConcurrentHashMap.newKeySet();
    private static final ThreadLocal<Slab> OWN_SLAB = ThreadLocal.withInitial(() -> newSlab(Thread.currentThread()));
    private static final Slab[] SHARED = new Slab[SHARED_SLABS];

    static {
        for (int i = 0; i < SHARED_SLABS; i++) {
            SHARED[i] = newSlab(null);
        }
        Thread reclaimer = new Thread(BlockReclaimer::reclaimForever, "offpool-jna-reclaimer");
        reclaimer.setDaemon(true);
        reclaimer.start();
    }

    private BlockReclaimer() {
    }

    /**
     * Registers {@code memory}, whose block is {@code address} in {@code pool}: if it becomes unreachable before
     * {@link Registration#returnBlock()}, the block goes back to {@code pool}.
     */
    static Registration register(PooledMemory memory, OffPool pool, long address) {
        Thread current = Thread.currentThread();
        if (current.isVirtual()) {
            Slab slab = SHARED[(int) (current.threadId() & (SHARED_SLABS - 1))];
            synchronized (slab) {
                return slab.register(memory, pool, address);
            }
        }
        return OWN_SLAB.get().register(memory, pool, address);
    }

    /** {@return how many slabs exist now: the shared ones, and one per platform thread that has not been swept} */
    static int slabCount() {
        return ALL_SLABS.size();
    }

    private static Slab newSlab(Thread owner) {
        Slab slab = new Slab(owner);
        ALL_SLABS.add(slab);
        return slab;
    }

    private static void reclaimForever() {
        long lastSweep = System.nanoTime();
        for (;;) {
            try {
                Registration leaked = (Registration) QUEUE.remove(SWEEP_INTERVAL_MILLIS);
                if (leaked != null) {
                    leaked.reclaim();
                }
                // On a clock, not only when the queue is idle: a steady trickle of leaks must not keep dead threads'
                // slabs forever.
                if (System.nanoTime() - lastSweep >= SWEEP_INTERVAL_MILLIS * 1_000_000) {
                    ALL_SLABS.removeIf(Slab::isAbandoned);
                    lastSweep = System.nanoTime();
                }
            } catch (InterruptedException e) {
                // A daemon that must outlive interruptions: nothing else would return leaked blocks.
            } catch (RuntimeException | Error e) {
                System.getLogger(BlockReclaimer.class.getName()).log(System.Logger.Level.WARNING,
                        "offpool: returning the block of an unclosed JNA memory failed", e);
            }
        }
    }

    /** One memory's registration: the reference the GC enqueues, and what it takes to return the block. */
    static final class Registration extends PhantomReference<PooledMemory> {
        private final OffPool pool;
        private final long address;
        private final Slab slab;
        private final int slot;
        /** Link in the slab's remote stack. */
        private Registration nextRemote;

        private Registration(PooledMemory memory, OffPool pool, long address, Slab slab, int slot) {
            super(memory, QUEUE);
            this.pool = pool;
            this.address = address;
            this.slab = slab;
            this.slot = slot;
        }

        /** Called once, by the memory's close or last lease, while the memory is reachable. */
        void returnBlock() {
            clear();
            try {
                freeBlock();
            } finally {
                slab.release(this);
            }
        }

        /** Called by the reclaimer thread for an enqueued registration: the memory is gone, unclosed. */
        private void reclaim() {
            try {
                freeBlock();
            } finally {
                slab.release(this);
            }
        }

        private void freeBlock() {
            // A closed allocator has released every arena already, this block with them.
            if (!pool.isClosed()) {
                pool.freeAddress(address);
            }
        }
    }

    /**
     * The registrations of one platform thread (owner set) or of a stripe of virtual threads (owner null: every
     * method runs under the slab's monitor). Only the owner touches {@code refs} and {@code free} (the reclaimer
     * thread does, for a slab whose owner has died); other threads release a registration by pushing it on
     * {@code remote}, and the owner empties its slot when it drains the stack.
     */
    static final class Slab {
        private final Thread owner;
        private Registration[] refs = new Registration[INITIAL_SLOTS];
        private int[] free = new int[INITIAL_SLOTS];
        private int freeCount;
        /** Slots handed out so far: slots at and above it were never used. */
        private int highWater;
        private final AtomicReference<Registration> remote = new AtomicReference<>();

        Slab(Thread owner) {
            this.owner = owner;
        }

        Registration register(PooledMemory memory, OffPool pool, long address) {
            int slot = takeSlot();
            Registration registration = new Registration(memory, pool, address, this, slot);
            refs[slot] = registration;
            return registration;
        }

        private int takeSlot() {
            if (freeCount == 0) {
                drainRemote();
            }
            if (freeCount > 0) {
                return free[--freeCount];
            }
            if (highWater == refs.length) {
                refs = Arrays.copyOf(refs, refs.length * 2);
                free = Arrays.copyOf(free, free.length * 2);
            }
            return highWater++;
        }

        /** Empties the slots released on other threads; the getAndSet pairs with their pushes. */
        private void drainRemote() {
            for (Registration r = remote.getAndSet(null); r != null; r = r.nextRemote) {
                emptySlot(r.slot);
            }
        }

        private void emptySlot(int slot) {
            refs[slot] = null;
            free[freeCount++] = slot;
        }

        void release(Registration registration) {
            if (owner == null) {
                synchronized (this) {
                    emptySlot(registration.slot);
                }
            } else if (Thread.currentThread() == owner) {
                emptySlot(registration.slot);
            } else {
                Registration head;
                do {
                    head = remote.get();
                    registration.nextRemote = head;
                } while (!remote.compareAndSet(head, registration));
            }
        }

        /**
         * {@return whether the owner thread has died and no slot holds a registration} Called by the reclaimer
         * thread only, which takes over a dead owner's slab: the owner's writes happen-before {@code isAlive()}
         * returning false.
         */
        boolean isAbandoned() {
            if (owner == null || owner.isAlive()) {
                return false;
            }
            drainRemote();
            for (Registration r : refs) {
                if (r != null) {
                    return false;
                }
            }
            return true;
        }
    }
}
