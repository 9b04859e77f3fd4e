package dev.offpool.benchmarks.workload.peers;

import dev.offpool.OffPool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * offpool, through its raw path ({@code allocateAddress}/{@code freeAddress}: no garbage) or its segment path
 * ({@code allocate}/{@code free}: a bounds-checked segment per block). Blocks come zeroed from the allocator itself.
 */
public final class OffPoolPeer implements Peer {
    private final OffPool pool;
    private final boolean raw;

    private OffPoolPeer(OffPool pool, boolean raw) {
        this.pool = pool;
        this.raw = raw;
    }

    /**
     * {@return a peer on {@code pool}'s raw path}
     *
     * @param pool the allocator, {@link OffPool#global()} in the study
     */
    public static OffPoolPeer raw(OffPool pool) {
        return new OffPoolPeer(pool, true);
    }

    /**
     * {@return a peer on {@code pool}'s segment path}
     *
     * @param pool the allocator, {@link OffPool#global()} in the study
     */
    public static OffPoolPeer segment(OffPool pool) {
        return new OffPoolPeer(pool, false);
    }

    @Override
    public String name() {
        return raw ? "offpool-raw" : "offpool-segment";
    }

    @Override
    public String description() {
        return raw ? "OffPool.allocateAddress (zeroed) / freeAddress, addresses as longs"
                : "OffPool.allocate (zeroed, bounds-checked segment) / free";
    }

    @Override
    public Blocks newBlocks(int capacity, Lifetime lifetime) {
        return raw ? new Addresses(capacity, lifetime, pool) : new Segments(capacity, lifetime, pool);
    }

    @Override
    public long allocatorBytes() {
        return pool.reservedBytes();
    }

    private static final class Addresses extends AddressBlocks {
        private final OffPool pool;

        Addresses(int capacity, Lifetime lifetime, OffPool pool) {
            super(capacity, lifetime);
            this.pool = pool;
        }

        @Override
        long allocateAddress(int byteSize) {
            return pool.allocateAddress(byteSize);
        }

        @Override
        void freeAddress(long address) {
            pool.freeAddress(address);
        }
    }

    private static final class Segments extends ObjectBlocks<MemorySegment> {
        private final OffPool pool;

        Segments(int capacity, Lifetime lifetime, OffPool pool) {
            super(capacity, lifetime);
            this.pool = pool;
        }

        @Override
        MemorySegment allocateBlock(int byteSize) {
            return pool.allocate(byteSize);
        }

        @Override
        void freeBlock(MemorySegment block) {
            pool.free(block);
        }

        @Override
        void writeByte(MemorySegment block, long offset) {
            block.set(ValueLayout.JAVA_BYTE, offset, (byte) 1);
        }
    }
}
