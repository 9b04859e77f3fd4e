package dev.offpool.benchmarks.workload.peers;

import java.util.Arrays;

/**
 * A fixed number of slots, each empty or holding one block of one {@link Peer} with the size it was asked for: what
 * the workloads keep their buffers in, so the same workload code drives every peer without boxing an address or
 * knowing a buffer type.
 *
 * {@snippet :
 * Blocks request = peer.newBlocks(8, Lifetime.REQUEST);
 * request.allocate(0, 700);            // a zeroed block of 700 bytes in slot 0
 * request.touch(0);                    // one write per page: the block is resident, as a filled buffer is
 * request.freeAll();                   // the request is over
 * }
 *
 * <p>Every block a peer hands out is zeroed (the workloads promise zeroed buffers, as offpool and the JDK give), and
 * {@link #touch(int)} writes one byte in each of its pages, so the memory a peer reports resident is memory the
 * program really used.
 *
 * <p>A {@code Blocks} belongs to one thread at a time. A block moves to another thread only through
 * {@link #moveTo(int, Blocks, int)} into a {@code Blocks} that the other thread reads after a release/acquire
 * hand-over (the workloads' hand-off ring), and only between two {@code Blocks} of the same peer and
 * {@link Lifetime}.
 *
 * <p>Misuse throws and changes nothing: allocating into a full slot or freeing an empty one throws
 * {@link IllegalStateException} naming the slot; a size below 1 throws {@link IllegalArgumentException}; a slot
 * outside {@code 0..capacity-1} throws {@link ArrayIndexOutOfBoundsException}.
 */
public abstract class Blocks {
    /** Bytes between two writes of {@link #touch(int)}: one write per page makes every page of a block resident. */
    public static final int TOUCH_STRIDE_BYTES = 4096;

    /** The requested size of each slot's block; 0 for an empty slot. */
    private final int[] sizes;
    private final Lifetime lifetime;

    /**
     * @param capacity the number of slots
     * @param lifetime how this store's blocks die
     * @throws IllegalArgumentException if {@code capacity} is below 1
     */
    protected Blocks(int capacity, Lifetime lifetime) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.sizes = new int[capacity];
        this.lifetime = lifetime;
    }

    /** {@return the number of slots} */
    public final int capacity() {
        return sizes.length;
    }

    /** {@return how this store's blocks die} */
    public final Lifetime lifetime() {
        return lifetime;
    }

    /**
     * {@return the requested size of the block in {@code slot}, or 0 if the slot is empty}
     *
     * @param slot a slot index
     */
    public final int size(int slot) {
        return sizes[slot];
    }

    /**
     * Allocates a zeroed block of {@code byteSize} bytes into the empty {@code slot}.
     *
     * @param slot     an empty slot
     * @param byteSize the block's size
     * @throws IllegalArgumentException if {@code byteSize} is below 1
     * @throws IllegalStateException    if the slot holds a block
     * @throws OutOfMemoryError         if the peer cannot allocate it
     */
    public final void allocate(int slot, int byteSize) {
        if (byteSize < 1) {
            throw new IllegalArgumentException("block size must be at least 1 byte, was " + byteSize);
        }
        if (sizes[slot] != 0) {
            throw new IllegalStateException("slot " + slot + " already holds a block of " + sizes[slot] + " bytes");
        }
        store(slot, byteSize);
        sizes[slot] = byteSize;
    }

    /**
     * Writes one byte in every page of the block in {@code slot} (at offsets 0, 4096, ... and its last byte).
     *
     * @param slot a slot holding a block
     * @throws IllegalStateException if the slot is empty
     */
    public final void touch(int slot) {
        int size = occupied(slot);
        for (int offset = 0; offset < size; offset += TOUCH_STRIDE_BYTES) {
            write(slot, offset);
        }
        write(slot, size - 1);
    }

    /**
     * Frees the block in {@code slot}.
     *
     * @param slot a slot holding a block
     * @return the block's requested size
     * @throws IllegalStateException         if the slot is empty
     * @throws UnsupportedOperationException if this store's blocks die only together ({@link Lifetime#REQUEST}) and
     *                                       the peer cannot free one alone
     */
    public final int free(int slot) {
        int size = occupied(slot);
        release(slot);
        sizes[slot] = 0;
        return size;
    }

    /**
     * Frees every block held; the store is empty afterwards.
     *
     * @return the number of blocks freed
     */
    public final int freeAll() {
        int count = 0;
        for (int size : sizes) {
            if (size != 0) {
                count++;
            }
        }
        if (count > 0) {
            releaseAll();
            Arrays.fill(sizes, 0);
        }
        return count;
    }

    /**
     * Moves the block in {@code slot} into the empty {@code targetSlot} of {@code target}, without freeing it.
     *
     * @param slot       a slot holding a block
     * @param target     a store of the same peer and lifetime (it may be this one)
     * @param targetSlot an empty slot of {@code target}
     * @throws IllegalStateException    if {@code slot} is empty or {@code targetSlot} is not
     * @throws IllegalArgumentException if {@code target} is of another peer or lifetime
     */
    public final void moveTo(int slot, Blocks target, int targetSlot) {
        int size = occupied(slot);
        if (target.getClass() != getClass() || target.lifetime != lifetime) {
            throw new IllegalArgumentException("a block of a " + getClass().getSimpleName() + " (" + lifetime
                    + ") cannot move into a " + target.getClass().getSimpleName() + " (" + target.lifetime + ")");
        }
        if (target.sizes[targetSlot] != 0) {
            throw new IllegalStateException("target slot " + targetSlot + " already holds a block of "
                    + target.sizes[targetSlot] + " bytes");
        }
        transfer(slot, target, targetSlot);
        target.sizes[targetSlot] = size;
        sizes[slot] = 0;
    }

    /** {@return the number of blocks held} It walks every slot: for checks, not for the hot path. */
    public final int blocksHeld() {
        int count = 0;
        for (int size : sizes) {
            count += size != 0 ? 1 : 0;
        }
        return count;
    }

    /** {@return the sum of the requested sizes of the blocks held} It walks every slot. */
    public final long bytesHeld() {
        long bytes = 0;
        for (int size : sizes) {
            bytes += size;
        }
        return bytes;
    }

    /** Allocates a zeroed block of {@code byteSize} bytes and keeps it in the (empty) {@code slot}. */
    protected abstract void store(int slot, int byteSize);

    /** Writes one byte at {@code offset} of the block in {@code slot}. */
    protected abstract void write(int slot, long offset);

    /** Frees the block in {@code slot} and forgets it. */
    protected abstract void release(int slot);

    /** Frees every block held and forgets them; by default one {@link #release(int)} per occupied slot. */
    protected void releaseAll() {
        for (int slot = 0; slot < sizes.length; slot++) {
            if (sizes[slot] != 0) {
                release(slot);
            }
        }
    }

    /** Hands the block in {@code slot} to {@code target}'s {@code targetSlot} (same class) and forgets it here. */
    protected abstract void transfer(int slot, Blocks target, int targetSlot);

    private int occupied(int slot) {
        int size = sizes[slot];
        if (size == 0) {
            throw new IllegalStateException("slot " + slot + " holds no block");
        }
        return size;
    }
}
