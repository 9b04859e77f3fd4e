package dev.offpool.benchmarks.workload.peers;

/**
 * Blocks that are objects (a {@code MemorySegment}, a {@code ByteBuffer}, a Netty {@code ByteBuf}), kept in an
 * {@code Object[]}; a freed slot is cleared so the store never keeps a dead block reachable.
 *
 * @param <B> the block type
 */
abstract class ObjectBlocks<B> extends Blocks {
    private final Object[] blocks;

    ObjectBlocks(int capacity, Lifetime lifetime) {
        super(capacity, lifetime);
        blocks = new Object[capacity];
    }

    /** {@return a fresh zeroed block of {@code byteSize} bytes} */
    abstract B allocateBlock(int byteSize);

    /** Frees {@code block} (for a GC-freed peer: lets go of it). */
    abstract void freeBlock(B block);

    /** Writes one byte at {@code offset} of {@code block}. */
    abstract void writeByte(B block, long offset);

    @Override
    protected final void store(int slot, int byteSize) {
        blocks[slot] = allocateBlock(byteSize);
    }

    @Override
    protected final void write(int slot, long offset) {
        writeByte(block(slot), offset);
    }

    @Override
    protected final void release(int slot) {
        B block = block(slot);
        blocks[slot] = null;
        freeBlock(block);
    }

    @Override
    protected final void transfer(int slot, Blocks target, int targetSlot) {
        ((ObjectBlocks<?>) target).blocks[targetSlot] = blocks[slot];
        blocks[slot] = null;
    }

    @SuppressWarnings("unchecked")
    private B block(int slot) {
        return (B) blocks[slot];
    }
}
