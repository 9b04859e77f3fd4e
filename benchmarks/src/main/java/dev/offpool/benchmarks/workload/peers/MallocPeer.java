package dev.offpool.benchmarks.workload.peers;

import dev.offpool.benchmarks.peers.NativeMalloc;

import java.util.Locale;

/**
 * A C allocator through critical FFM downcalls ({@link NativeMalloc}), asked for zeroed memory as offpool gives it:
 * {@code calloc(1, size)} for glibc and jemalloc, {@code mi_zalloc(size)} for mimalloc; freed with {@code free}
 * ({@code mi_free}).
 *
 * <p>Each library has its own store class calling its {@link NativeMalloc} factory at the call site: the factory
 * returns a {@code static final} record, so the JIT sees its handles as constants and inlines each call down to the
 * native stub (a handle read from an instance field would not be).
 */
public final class MallocPeer implements Peer {
    /** The libraries. */
    public enum Library {
        /** The process's glibc malloc (the linker's default lookup). */
        GLIBC,
        /** jemalloc, preloaded with {@code LD_PRELOAD=libjemalloc.so.2}. */
        JEMALLOC,
        /** mimalloc, from {@code libmimalloc.so.2}. */
        MIMALLOC
    }

    private final Library library;

    /**
     * Binds {@code library} now, so a missing one fails before any workload starts.
     *
     * @param library which C allocator
     * @throws IllegalStateException saying how to install or preload it, when it is missing
     */
    public MallocPeer(Library library) {
        this.library = library;
        switch (library) {
            case GLIBC -> NativeMalloc.glibc();
            case JEMALLOC -> NativeMalloc.jemallocPreloaded();
            case MIMALLOC -> NativeMalloc.mimalloc();
        }
    }

    @Override
    public String name() {
        return library.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String description() {
        return switch (library) {
            case GLIBC -> "glibc calloc(1, n) / free, critical downcalls";
            case JEMALLOC -> "jemalloc (LD_PRELOAD) calloc(1, n) / free, critical downcalls";
            case MIMALLOC -> "mimalloc mi_zalloc(n) / mi_free, critical downcalls";
        };
    }

    @Override
    public Blocks newBlocks(int capacity, Lifetime lifetime) {
        return switch (library) {
            case GLIBC -> new Glibc(capacity, lifetime);
            case JEMALLOC -> new Jemalloc(capacity, lifetime);
            case MIMALLOC -> new Mimalloc(capacity, lifetime);
        };
    }

    @Override
    public long allocatorBytes() {
        return -1;
    }

    // One class per library, not one holding a NativeMalloc: each call goes through a static accessor, so the JIT sees
    // a constant method handle and inlines the downcall, which a handle read from an instance field would not get.
    private static final class Glibc extends AddressBlocks {
        Glibc(int capacity, Lifetime lifetime) {
            super(capacity, lifetime);
        }

        @Override
        long allocateAddress(int byteSize) {
            return NativeMalloc.glibc().calloc(byteSize);
        }

        @Override
        void freeAddress(long address) {
            NativeMalloc.glibc().free(address);
        }
    }

    private static final class Jemalloc extends AddressBlocks {
        Jemalloc(int capacity, Lifetime lifetime) {
            super(capacity, lifetime);
        }

        @Override
        long allocateAddress(int byteSize) {
            return NativeMalloc.jemallocPreloaded().calloc(byteSize);
        }

        @Override
        void freeAddress(long address) {
            NativeMalloc.jemallocPreloaded().free(address);
        }
    }

    private static final class Mimalloc extends AddressBlocks {
        Mimalloc(int capacity, Lifetime lifetime) {
            super(capacity, lifetime);
        }

        @Override
        long allocateAddress(int byteSize) {
            return NativeMalloc.mimalloc().zalloc(byteSize);
        }

        @Override
        void freeAddress(long address) {
            NativeMalloc.mimalloc().free(address);
        }
    }
}
