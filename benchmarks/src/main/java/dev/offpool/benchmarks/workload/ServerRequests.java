package dev.offpool.benchmarks.workload;

import java.util.SplittableRandom;

/**
 * One worker's server traffic, the steady load of every workload: requests whose buffers live for the request, and
 * sessions and cache entries that live until evicted.
 *
 * <h2>A request</h2>
 * Allocates, from {@link SizeMix}: the request's header (small) and a read buffer (I/O), the response's header
 * (small) and a write buffer (I/O), and one time in {@value SizeMix#BODY_ONE_IN} a body (64 KiB to 1 MiB); each
 * block is zeroed by the peer and has every page written. With probability {@code sessionRate} it stores a session or
 * cache entry (small), evicting random entries first while the store would pass its budget. At the end, two thirds of
 * the request's blocks are freed together by the worker and one third are handed to the releaser, which frees them
 * on its own thread; evicted entries go the same two ways.
 *
 * <h2>Why entries live "for minutes"</h2>
 * Eviction is random, so an entry lives on average {@code budget / (sessionRate x mean entry size)} requests. At the
 * full study's settings (256 MiB, rate 0.5, about 330 B a value) that is about 1.6 million requests: minutes at the
 * request rates seen on the development machine.
 */
final class ServerRequests {
    /** The most blocks one request allocates: two headers, two I/O buffers, a body. */
    static final int BLOCKS_PER_REQUEST = 5;

    private final Worker worker;
    private final Batch request;
    private final Store sessions;
    private final long sessionBudget;
    private final double sessionRate;

    /**
     * @param sessionBudget bytes of sessions this worker keeps; 0 for none
     * @param sessionRate   the share of requests that store an entry
     */
    ServerRequests(Worker worker, long sessionBudget, double sessionRate) {
        this.worker = worker;
        this.request = new Batch(worker, BLOCKS_PER_REQUEST);
        this.sessionBudget = sessionBudget;
        this.sessionRate = sessionBudget > 0 ? sessionRate : 0;
        // Room for entries at twice the model's mean less than its clamp minimum: the budget, not the slots, binds.
        this.sessions = sessionBudget > 0
                ? new Store(worker, (int) Math.min(Integer.MAX_VALUE - 16, sessionBudget / (SizeMix.SMALL_MIN_BYTES * 2)
                + 1024)) : null;
    }

    /** Fills the session store to its budget, as a server's caches are after its warm-up; stops if the run does. */
    void fill(RunControl control) {
        if (sessions == null) {
            return;
        }
        SplittableRandom random = worker.random();
        int checkEvery = 1024;
        while (sessions.bytes() < sessionBudget) {
            sessions.add(worker, SizeMix.small(random));
            if (--checkEvery == 0) {
                checkEvery = 1024;
                if (!control.running()) {
                    return;
                }
            }
        }
    }

    /** Serves one request. */
    void serve() {
        SplittableRandom random = worker.random();
        request.allocate(worker, SizeMix.small(random));
        request.allocate(worker, SizeMix.io(random));
        request.allocate(worker, SizeMix.small(random));
        request.allocate(worker, SizeMix.io(random));
        if (SizeMix.hasBody(random)) {
            request.allocate(worker, SizeMix.body(random));
        }
        if (sessionRate > 0 && random.nextDouble() < sessionRate) {
            int size = SizeMix.small(random);
            sessions.evictDownTo(worker, sessionBudget - size);
            sessions.add(worker, size);
        }
        request.end(worker);
        worker.tally().requested();
    }

    /** {@return the bytes held, by walking the stores} */
    long bytesHeld() {
        return request.bytesHeld() + (sessions == null ? 0 : sessions.bytesHeld());
    }

    /** Frees every session on this thread. */
    void clear() {
        request.end(worker);
        if (sessions != null) {
            sessions.clear(worker);
        }
    }
}
