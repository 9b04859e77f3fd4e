package dev.offpool.benchmarks.workload.peers;

import dev.offpool.benchmarks.peers.NettyAllocators;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;

/**
 * Netty's pooling allocators as on its event loop ({@link NettyAllocators}: thread caches or magazines for every
 * thread): {@code directBuffer(n, n)}, then {@code setZero(0, n)} because Netty does not zero and the workloads
 * promise zeroed buffers; freed with {@code release()}, from any thread.
 */
public final class NettyPeer implements Peer {
    private final String name;
    private final ByteBufAllocator allocator;

    private NettyPeer(String name, ByteBufAllocator allocator) {
        this.name = name;
        this.allocator = allocator;
    }

    /** {@return Netty's {@code PooledByteBufAllocator}, direct, with thread caches for all threads} */
    public static NettyPeer pooled() {
        return new NettyPeer("netty-pooled", NettyAllocators.pooled());
    }

    /** {@return Netty 4.2's {@code AdaptiveByteBufAllocator}, direct, with magazines for all threads} */
    public static NettyPeer adaptive() {
        return new NettyPeer("netty-adaptive", NettyAllocators.adaptive());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return allocator.getClass().getSimpleName() + " directBuffer(n, n) + setZero / release, caches for all threads";
    }

    @Override
    public Blocks newBlocks(int capacity, Lifetime lifetime) {
        return new Buffers(capacity, lifetime, allocator);
    }

    @Override
    public long allocatorBytes() {
        return allocator instanceof ByteBufAllocatorMetricProvider provider
                ? provider.metric().usedDirectMemory() : -1;
    }

    private static final class Buffers extends ObjectBlocks<ByteBuf> {
        private final ByteBufAllocator allocator;

        Buffers(int capacity, Lifetime lifetime, ByteBufAllocator allocator) {
            super(capacity, lifetime);
            this.allocator = allocator;
        }

        @Override
        ByteBuf allocateBlock(int byteSize) {
            ByteBuf buffer = allocator.directBuffer(byteSize, byteSize);
            buffer.setZero(0, byteSize);
            return buffer;
        }

        @Override
        void freeBlock(ByteBuf block) {
            block.release();
        }

        @Override
        void writeByte(ByteBuf block, long offset) {
            block.setByte((int) offset, 1);
        }
    }
}
