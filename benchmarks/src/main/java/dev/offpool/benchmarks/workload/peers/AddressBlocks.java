package dev.offpool.benchmarks.workload.peers;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Blocks known by their address, kept in a {@code long[]}: the raw peers (offpool's raw path, the C mallocs), which
 * make no garbage per block.
 */
abstract class AddressBlocks extends Blocks {
    /** One global-scope segment over the address space, to write into a block known only by its address. */
    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private final long[] addresses;

    AddressBlocks(int capacity, Lifetime lifetime) {
        super(capacity, lifetime);
        addresses = new long[capacity];
    }

    /** {@return the address of a fresh zeroed block of {@code byteSize} bytes} */
    abstract long allocateAddress(int byteSize);

    /** Frees the block at {@code address}. */
    abstract void freeAddress(long address);

    @Override
    protected final void store(int slot, int byteSize) {
        addresses[slot] = allocateAddress(byteSize);
    }

    @Override
    protected final void write(int slot, long offset) {
        EVERYTHING.set(ValueLayout.JAVA_BYTE, addresses[slot] + offset, (byte) 1);
    }

    @Override
    protected final void release(int slot) {
        long address = addresses[slot];
        addresses[slot] = 0;
        freeAddress(address);
    }

    @Override
    protected final void transfer(int slot, Blocks target, int targetSlot) {
        ((AddressBlocks) target).addresses[targetSlot] = addresses[slot];
        addresses[slot] = 0;
    }
}
