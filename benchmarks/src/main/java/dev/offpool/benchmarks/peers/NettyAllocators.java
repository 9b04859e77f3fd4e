package dev.offpool.benchmarks.peers;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * Netty's two pooling allocators, configured as they behave on a Netty event-loop thread.
 *
 * <p>Netty 4.2 gives thread-local caches (pooled) and magazines (adaptive) only to its own
 * {@code FastThreadLocalThread}s by default; a JMH worker is a plain thread and would get the shared, locked path.
 * Netty's real hot path is the event loop, and offpool caches for every thread, so both are built with caching for
 * all threads; everything else is Netty's default. The forks also run with {@code -Dio.netty.leakDetection.level=
 * disabled}, as Netty's own microbenchmarks do (the default samples one buffer in 128 for leak tracking).
 *
 * <p>On Java 25 Netty 4.2 uses {@code sun.misc.Unsafe} only when the JVM allows its memory-access methods; the forks
 * run with {@code --sun-misc-unsafe-memory-access=allow} (which also silences JMH's own warning), so Netty takes its
 * faster Unsafe-backed buffers, as a tuned Netty deployment would. Without the flag Netty logs
 * "io.netty.noUnsafe=true by default on Java 25+" and falls back to {@code ByteBuffer}-based buffers.
 */
public final class NettyAllocators {
    private NettyAllocators() {
    }

    /** {@return a new {@link PooledByteBufAllocator} preferring direct memory, with thread caches for all threads} */
    public static ByteBufAllocator pooled() {
        return new PooledByteBufAllocator(true, PooledByteBufAllocator.defaultNumHeapArena(),
                PooledByteBufAllocator.defaultNumDirectArena(), PooledByteBufAllocator.defaultPageSize(),
                PooledByteBufAllocator.defaultMaxOrder(), PooledByteBufAllocator.defaultSmallCacheSize(),
                PooledByteBufAllocator.defaultNormalCacheSize(), true);
    }

    /** {@return a new {@link AdaptiveByteBufAllocator} preferring direct memory, with magazines for all threads} */
    public static ByteBufAllocator adaptive() {
        return new AdaptiveByteBufAllocator(true, true);
    }
}
