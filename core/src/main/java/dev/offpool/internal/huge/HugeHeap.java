package dev.offpool.internal.huge;

import dev.offpool.HugeTierStats;
import dev.offpool.InvalidFreeException;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.internal.Chunk;
import dev.offpool.internal.Region;
import dev.offpool.internal.Requests;
import dev.offpool.internal.ReservedBytes;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The huge tier: each allocation is its own page-source chunk (an mmap with native-bridge), released on free, so its
 * segment's scope closes and a stale access throws. Fresh chunks are zero-filled by the page source's contract, so
 * nothing is zeroed here.
 *
 * <p>Live blocks sit in a concurrent skip list keyed by address; each {@link Mapping} has a state that one
 * compare-and-set moves, so two racing frees (or a free racing a reallocate) have exactly one winner. No lock.
 */
public final class HugeHeap {
    /** One huge block: a region of its own. */
    public static final class Mapping extends Region {
        private static final int LIVE = 0;
        private static final int BUSY = 1;
        private static final int FREED = 2;
        private static final int ARENA = 3;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Mapping.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private volatile long requestedBytes;
        @SuppressWarnings("unused") // through STATE
        private volatile int state;

        Mapping(Chunk chunk, long requestedBytes, boolean arenaHeld) {
            super(HUGE, chunk);
            this.requestedBytes = requestedBytes;
            this.state = arenaHeld ? ARENA : LIVE;
        }

        /** {@return the block as a segment of its requested size, in its mapping's scope} */
        public MemorySegment segment() {
            return memory.asSlice(0, requestedBytes);
        }

        private boolean move(int from, int to) {
            return STATE.compareAndSet(this, from, to);
        }
    }

    private final ReservedBytes reservedBytes;
    private final ConcurrentSkipListMap<Long, Mapping> live = new ConcurrentSkipListMap<>();
    private final AtomicLong allocatedTotal = new AtomicLong();
    private final AtomicLong freedTotal = new AtomicLong();
    private volatile boolean closed;

    /** @param reservedBytes the allocator's shared reservation count and page source */
    public HugeHeap(ReservedBytes reservedBytes) {
        this.reservedBytes = reservedBytes;
    }

    /**
     * Maps a zeroed block of at least {@code byteSize} bytes at a multiple of {@code byteAlignment}.
     *
     * @param arenaHeld whether an open pooled arena holds it (then only {@link #freeArenaBlock} frees it)
     * @return its mapping
     * @throws OutOfPoolMemoryException if the reserved-bytes limit or the page source refuses; nothing changes then
     */
    public Mapping allocate(long byteSize, long byteAlignment, boolean arenaHeld) {
        long page = reservedBytes.source().pageSize();
        long bytes = (byteSize + page - 1) & -page;
        if (bytes < byteSize) {
            String problem = "size " + byteSize + " cannot be rounded up to whole pages";
            throw new OutOfPoolMemoryException(problem, new IllegalArgumentException(problem));
        }
        Chunk chunk = reservedBytes.takeChunk(bytes, Math.max(page, byteAlignment), bytes + "-byte huge block");
        Mapping mapping = new Mapping(chunk, byteSize, arenaHeld);
        live.put(mapping.base, mapping);
        allocatedTotal.incrementAndGet();
        if (closed) { // close() ran while we mapped: do not leave the mapping behind
            release(mapping);
            throw Requests.closed();
        }
        return mapping;
    }

    /** {@return the live huge block starting at {@code address}, or null} No side effects. */
    public Mapping find(long address) {
        return live.get(address);
    }

    /** {@return the live huge block containing {@code address}, or null} No side effects. */
    public Mapping containing(long address) {
        Map.Entry<Long, Mapping> e = live.floorEntry(address);
        return e != null && e.getValue().contains(address) ? e.getValue() : null;
    }

    /** {@return the usable size of the live huge block starting at {@code address}, or -1} No side effects. */
    public long usableSize(long address) {
        Mapping m = live.get(address);
        return m == null ? -1 : m.end - m.base;
    }

    /**
     * Unmaps the live huge block starting at {@code address}.
     *
     * @param segmentBytes the caller's segment size, which must be the size allocated, or -1 on the raw path
     * @return its mapped size, or -1 if no huge block contains the address (it is not this tier's)
     * @throws InvalidFreeException if the address lies inside a huge block, or names one a pooled arena holds, one
     *                              being reallocated, or one the segment's size cannot name; nothing changes then
     */
    public long free(long address, long segmentBytes, String op) {
        Mapping m = checkFreeable(address, segmentBytes, op);
        if (m == null) {
            return -1;
        }
        if (!m.move(Mapping.LIVE, Mapping.FREED)) {
            throw stateProblem(m, address, op);
        }
        return release(m);
    }

    private Mapping checkFreeable(long address, long segmentBytes, String op) {
        Mapping m = live.get(address);
        if (m == null) {
            Map.Entry<Long, Mapping> e = live.floorEntry(address);
            if (e != null && e.getValue().contains(address)) {
                throw Requests.interior(op, address, e.getKey(), e.getValue().end - e.getKey());
            }
            return null;
        }
        if (segmentBytes >= 0 && segmentBytes != m.requestedBytes) {
            throw Requests.wrongSize(op, address, segmentBytes, "the block there is a huge block allocated for "
                    + m.requestedBytes + " bytes");
        }
        return m;
    }

    private static InvalidFreeException stateProblem(Mapping m, long address, String op) {
        return switch (m.state) {
            case Mapping.BUSY -> Requests.busy(op, address);
            case Mapping.ARENA -> Requests.arenaBlock(op, address);
            default -> Requests.notAllocated(op, address, m.end - m.base);
        };
    }

    private long release(Mapping m) {
        long bytes = m.end - m.base;
        if (live.remove(m.base, m)) {
            freedTotal.incrementAndGet();
            m.chunk.release();
        }
        return bytes;
    }

    /**
     * Claims the live huge block at {@code address} for a reallocate.
     *
     * @return the mapping, or null if the address is not this tier's
     * @throws InvalidFreeException as {@link #free} would
     */
    public Mapping claim(long address, long segmentBytes) {
        Mapping m = checkFreeable(address, segmentBytes, "reallocate");
        if (m != null && !m.move(Mapping.LIVE, Mapping.BUSY)) {
            throw stateProblem(m, address, "reallocate");
        }
        return m;
    }

    /** Ends a claim keeping the block, now of {@code requestedBytes}. */
    public void keepClaimed(Mapping m, long requestedBytes) {
        m.requestedBytes = requestedBytes;
        m.move(Mapping.BUSY, Mapping.LIVE);
    }

    /** Ends a claim by unmapping the block. */
    public void releaseClaimed(Mapping m) {
        m.move(Mapping.BUSY, Mapping.FREED);
        release(m);
    }

    /** Frees a block a pooled arena held. After {@link #close()}, releases it if it was the last hold's. */
    public void freeArenaBlock(Mapping m) {
        if (m.move(Mapping.ARENA, Mapping.FREED) && !closed) {
            release(m);
        }
    }

    /** {@return a snapshot of the tier} */
    public HugeTierStats stats() {
        long blocks = 0;
        long mapped = 0;
        long requested = 0;
        for (Mapping m : live.values()) {
            blocks++;
            mapped += m.end - m.base;
            requested += m.requestedBytes;
        }
        return new HugeTierStats(blocks, mapped, requested, allocatedTotal.get(), freedTotal.get());
    }

    /** Unmaps every huge block (one a pooled arena holds when the arena closes). */
    public void close() {
        closed = true;
        for (Mapping m : live.values()) {
            if (live.remove(m.base, m)) {
                m.releaseOrDefer();
            }
        }
    }
}
