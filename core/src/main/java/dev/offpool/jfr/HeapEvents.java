package dev.offpool.jfr;

import dev.offpool.InvalidFreeException;
import dev.offpool.OutOfPoolMemoryException;
import dev.offpool.internal.Region;

/**
 * The allocator's hooks into JFR, one per slow-path event: each returns at once, touching no JFR class, until a
 * recording has existed in this JVM ({@link JfrSupport#isRegistered()}), and then costs what JFR's own disabled check
 * costs unless its event is on. None is on a per-allocation path: the sampled allocation has its own switch
 * ({@link AllocationSampler}).
 *
 * <p>Called from inside the module only (the package is not exported).
 */
public final class HeapEvents {
    private HeapEvents() {
    }

    /**
     * A chunk was taken from the page source.
     *
     * @param kind          {@link Region#POOLED} (an arena), {@link Region#LARGE} or {@link Region#HUGE}
     * @param reservedBytes the allocator's reserved bytes with this chunk counted
     */
    public static void chunkMapped(String allocator, byte kind, long address, long bytes, String pageSource,
                                   long reservedBytes) {
        if (!JfrSupport.isRegistered()) {
            return;
        }
        ChunkMappedEvent e = new ChunkMappedEvent();
        if (e.shouldCommit()) {
            e.allocator = allocator;
            e.kind = kindName(kind);
            e.address = address;
            e.bytes = bytes;
            e.pageSource = pageSource;
            e.reservedBytes = reservedBytes;
            e.commit();
        }
    }

    /**
     * A chunk went back to the page source.
     *
     * @param kind          {@link Region#POOLED} (an arena), {@link Region#LARGE} or {@link Region#HUGE}
     * @param reservedBytes the allocator's reserved bytes with this chunk uncounted
     */
    public static void chunkReleased(String allocator, byte kind, long address, long bytes, String pageSource,
                                     long reservedBytes) {
        if (!JfrSupport.isRegistered()) {
            return;
        }
        ChunkReleasedEvent e = new ChunkReleasedEvent();
        if (e.shouldCommit()) {
            e.allocator = allocator;
            e.kind = kindName(kind);
            e.address = address;
            e.bytes = bytes;
            e.pageSource = pageSource;
            e.reservedBytes = reservedBytes;
            e.commit();
        }
    }

    /**
     * {@return the started {@code offpool.PagesDiscarded} event to hand to {@link #pagesDiscarded}, or null when
     * none is recorded} Called just before the page source's discard call, which the event times. Typed
     * {@code Object} so that a caller's class names no JFR type.
     */
    public static Object beginDiscard() {
        if (!JfrSupport.isRegistered()) {
            return null;
        }
        PagesDiscardedEvent e = new PagesDiscardedEvent();
        if (!e.isEnabled()) {
            return null;
        }
        e.begin();
        return e;
    }

    /**
     * The pages of {@code pools} neighbouring unused pools from {@code address} were handed back to the OS.
     *
     * @param begun what {@link #beginDiscard} returned before the discard call; null: nothing to record
     */
    public static void pagesDiscarded(Object begun, String allocator, long address, long bytes, int pools,
                                      int poolSize) {
        if (begun == null) {
            return;
        }
        PagesDiscardedEvent e = (PagesDiscardedEvent) begun;
        e.end();
        if (e.shouldCommit()) {
            e.allocator = allocator;
            e.address = address;
            e.bytes = bytes;
            e.pools = pools;
            e.poolSize = poolSize;
            e.commit();
        }
    }

    /** An allocation is about to fail with {@code failure}; called on the caller's thread, for its stack trace. */
    public static void allocationFailed(String allocator, long requestedBytes, long alignment,
                                        OutOfPoolMemoryException failure, long reservedBytes, long reservedBytesLimit) {
        if (!JfrSupport.isRegistered()) {
            return;
        }
        AllocationFailureEvent e = new AllocationFailureEvent();
        if (e.shouldCommit()) {
            e.allocator = allocator;
            e.requestedBytes = requestedBytes;
            e.alignment = alignment;
            e.limitReached = failure.limitReached();
            e.reservedBytes = reservedBytes;
            e.reservedBytesLimit = reservedBytesLimit;
            e.message = failure.getMessage();
            e.commit();
        }
    }

    /**
     * A free or reallocate is about to be rejected with {@code rejection}; called on the caller's thread.
     *
     * @param segmentBytes the segment's size, or -1 on the raw path
     */
    public static void invalidFree(String allocator, String operation, long address, long segmentBytes,
                                   InvalidFreeException rejection) {
        if (!JfrSupport.isRegistered()) {
            return;
        }
        InvalidFreeEvent e = new InvalidFreeEvent();
        if (e.shouldCommit()) {
            e.allocator = allocator;
            e.operation = operation;
            e.address = address;
            e.segmentBytes = segmentBytes;
            e.problem = rejection.getMessage();
            e.commit();
        }
    }

    private static String kindName(byte kind) {
        return switch (kind) {
            case Region.POOLED -> "arena";
            case Region.LARGE -> "large chunk";
            case Region.HUGE -> "huge block";
            default -> "kind " + kind;
        };
    }
}
