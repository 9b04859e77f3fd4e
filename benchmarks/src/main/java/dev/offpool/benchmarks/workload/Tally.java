package dev.offpool.benchmarks.workload;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One thread's running counts: requests, allocations and frees with their bytes. Only the owning thread writes them
 * (plain read, opaque write: no lock and no CAS on the hot path); the sampler reads them opaquely, so a sample may see
 * one count a block ahead of another, never a torn value.
 */
final class Tally {
    private static final VarHandle REQUESTS;
    private static final VarHandle ALLOCATIONS;
    private static final VarHandle ALLOCATED_BYTES;
    private static final VarHandle FREES;
    private static final VarHandle FREED_BYTES;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REQUESTS = lookup.findVarHandle(Tally.class, "requests", long.class);
            ALLOCATIONS = lookup.findVarHandle(Tally.class, "allocations", long.class);
            ALLOCATED_BYTES = lookup.findVarHandle(Tally.class, "allocatedBytes", long.class);
            FREES = lookup.findVarHandle(Tally.class, "frees", long.class);
            FREED_BYTES = lookup.findVarHandle(Tally.class, "freedBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // Padding on both sides keeps two threads' tallies off one cache line.
    @SuppressWarnings("unused")
    private long p1, p2, p3, p4, p5, p6, p7;
    private long requests;
    private long allocations;
    private long allocatedBytes;
    private long frees;
    private long freedBytes;
    @SuppressWarnings("unused")
    private long q1, q2, q3, q4, q5, q6, q7;

    void requested() {
        REQUESTS.setOpaque(this, requests + 1);
    }

    void allocated(long bytes) {
        ALLOCATIONS.setOpaque(this, allocations + 1);
        ALLOCATED_BYTES.setOpaque(this, allocatedBytes + bytes);
    }

    void freed(long count, long bytes) {
        FREES.setOpaque(this, frees + count);
        FREED_BYTES.setOpaque(this, freedBytes + bytes);
    }

    long requests() {
        return (long) REQUESTS.getOpaque(this);
    }

    long allocations() {
        return (long) ALLOCATIONS.getOpaque(this);
    }

    long allocatedBytes() {
        return (long) ALLOCATED_BYTES.getOpaque(this);
    }

    long frees() {
        return (long) FREES.getOpaque(this);
    }

    long freedBytes() {
        return (long) FREED_BYTES.getOpaque(this);
    }
}
