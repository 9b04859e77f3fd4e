package dev.offpool.benchmarks;

import dev.offpool.OffPool;
import dev.offpool.benchmarks.peers.NativeMalloc;
import dev.offpool.benchmarks.peers.NettyAllocators;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

import java.util.concurrent.TimeUnit;

/**
 * What does it cost when one thread allocates and another frees, the pattern of a pipeline handing buffers on?
 *
 * <p>Each JMH group has one producer thread that allocates a block, writes one byte and queues it, and one consumer
 * thread that takes it and frees it: every free is a remote free. The hand-off is {@link SpscRing}, the same few
 * instructions for every allocator (Netty's entries are references, the others' addresses, so Netty's side also
 * pays a GC write barrier per slot). A side that finds the ring full or empty spins until it can go on or the
 * iteration ends, so the producer can run at most a ring's length ahead.
 *
 * <p>The score is per method: {@code ResultTable} reports the slower side (in practice both equal), i.e. blocks per
 * microsecond that make the whole trip. Blocks still queued when an iteration ends are freed by its teardown.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xms1g", "-Xmx1g", "-Dio.netty.leakDetection.level=disabled"})
public class ProducerConsumerBenchmark {
    private static final OffPool POOL = OffPool.global();
    private static final NativeMalloc GLIBC = NativeMalloc.glibc();
    private static final int RING_CAPACITY = 1024;

    /** The block size. */
    @State(Scope.Benchmark)
    public static class BlockSize {
        /** Bytes per block. */
        @Param({"64"})
        public int size;
    }

    /** The ring between an offpool producer and its consumer. */
    @State(Scope.Group)
    public static class OffPoolChannel {
        final SpscRing ring = new SpscRing(RING_CAPACITY);

        /** Frees what is still queued. */
        @TearDown(Level.Iteration)
        public void drain() {
            for (long address; (address = ring.pollAddress()) != 0; ) {
                POOL.freeAddress(address);
            }
        }
    }

    /** The ring between a glibc producer and its consumer. */
    @State(Scope.Group)
    public static class GlibcChannel {
        final SpscRing ring = new SpscRing(RING_CAPACITY);

        /** Frees what is still queued. */
        @TearDown(Level.Iteration)
        public void drain() {
            for (long address; (address = ring.pollAddress()) != 0; ) {
                GLIBC.free(address);
            }
        }
    }

    /** The ring and the allocator between a Netty producer and its consumer. */
    @State(Scope.Group)
    public static class NettyChannel {
        final SpscRing ring = new SpscRing(RING_CAPACITY);
        ByteBufAllocator pooled;
        ByteBufAllocator adaptive;

        /** Builds both allocators; each group uses one. */
        @Setup
        public void create() {
            pooled = NettyAllocators.pooled();
            adaptive = NettyAllocators.adaptive();
        }

        /** Releases what is still queued. */
        @TearDown(Level.Iteration)
        public void drain() {
            for (Object buffer; (buffer = ring.pollRef()) != null; ) {
                ((ByteBuf) buffer).release();
            }
        }
    }

    // ---- offpool raw path --------------------------------------------------------------------------------------

    /** Allocates and queues one offpool block. */
    @Benchmark
    @Group("offpoolRaw")
    @GroupThreads(1)
    public void offpoolRawProduce(OffPoolChannel channel, BlockSize block, Control control) {
        long address = POOL.allocateAddress(block.size);
        RawMemory.touch(address);
        if (!offer(channel.ring, address, control)) {
            POOL.freeAddress(address);
        }
    }

    /** Takes one offpool block and frees it. */
    @Benchmark
    @Group("offpoolRaw")
    @GroupThreads(1)
    public void offpoolRawConsume(OffPoolChannel channel, Control control) {
        long address = pollAddress(channel.ring, control);
        if (address != 0) {
            POOL.freeAddress(address);
        }
    }

    // ---- glibc -------------------------------------------------------------------------------------------------

    /** Mallocs and queues one block. */
    @Benchmark
    @Group("glibc")
    @GroupThreads(1)
    public void glibcProduce(GlibcChannel channel, BlockSize block, Control control) {
        long address = GLIBC.malloc(block.size);
        RawMemory.touch(address);
        if (!offer(channel.ring, address, control)) {
            GLIBC.free(address);
        }
    }

    /** Takes one block and frees it. */
    @Benchmark
    @Group("glibc")
    @GroupThreads(1)
    public void glibcConsume(GlibcChannel channel, Control control) {
        long address = pollAddress(channel.ring, control);
        if (address != 0) {
            GLIBC.free(address);
        }
    }

    // ---- Netty pooled ------------------------------------------------------------------------------------------

    /** Allocates and queues one pooled Netty buffer. */
    @Benchmark
    @Group("nettyPooled")
    @GroupThreads(1)
    public void nettyPooledProduce(NettyChannel channel, BlockSize block, Control control) {
        produce(channel.pooled, channel, block, control);
    }

    /** Takes one pooled Netty buffer and releases it. */
    @Benchmark
    @Group("nettyPooled")
    @GroupThreads(1)
    public void nettyPooledConsume(NettyChannel channel, Control control) {
        consume(channel, control);
    }

    // ---- Netty adaptive ----------------------------------------------------------------------------------------

    /** Allocates and queues one adaptive Netty buffer. */
    @Benchmark
    @Group("nettyAdaptive")
    @GroupThreads(1)
    public void nettyAdaptiveProduce(NettyChannel channel, BlockSize block, Control control) {
        produce(channel.adaptive, channel, block, control);
    }

    /** Takes one adaptive Netty buffer and releases it. */
    @Benchmark
    @Group("nettyAdaptive")
    @GroupThreads(1)
    public void nettyAdaptiveConsume(NettyChannel channel, Control control) {
        consume(channel, control);
    }

    // ---- hand-off ----------------------------------------------------------------------------------------------

    private static void produce(ByteBufAllocator allocator, NettyChannel channel, BlockSize block, Control control) {
        ByteBuf buffer = allocator.directBuffer(block.size);
        buffer.setByte(0, 1);
        while (!channel.ring.offer(buffer)) {
            if (control.stopMeasurement) {
                buffer.release();
                return;
            }
            Thread.onSpinWait();
        }
    }

    private static void consume(NettyChannel channel, Control control) {
        Object buffer;
        while ((buffer = channel.ring.pollRef()) == null) {
            if (control.stopMeasurement) {
                return;
            }
            Thread.onSpinWait();
        }
        ((ByteBuf) buffer).release();
    }

    /** {@return true once queued; false if the iteration ended first, and the caller still owns the block} */
    private static boolean offer(SpscRing ring, long address, Control control) {
        while (!ring.offer(address)) {
            if (control.stopMeasurement) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /** {@return the next address, or 0 if the iteration ended while the ring was empty} */
    private static long pollAddress(SpscRing ring, Control control) {
        long address;
        while ((address = ring.pollAddress()) == 0) {
            if (control.stopMeasurement) {
                return 0;
            }
            Thread.onSpinWait();
        }
        return address;
    }
}
