package dev.offpool.benchmarks.workload.peers;

import dev.offpool.OffPool;
import dev.offpool.agent.Redirects;
import dev.offpool.benchmarks.peers.TheUnsafe;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;

/**
 * An ordinary program's direct buffers: {@code ByteBuffer.allocateDirect(n)} (zeroed by the JDK), freed by the GC
 * (the buffer is dropped) or at once by {@code Unsafe.invokeCleaner}, as Netty frees its own. This code knows nothing
 * of offpool: the {@code agent-*} peers are the same code run with {@code -javaagent:offpool-agent.jar}, which
 * rewrites the {@code allocateDirect} and {@code invokeCleaner} call sites of this class (and only this class:
 * {@code include=dev.offpool.benchmarks.workload.peers.DirectPeer*}).
 *
 * <p>Both calls are written out here, not reached through a helper or a method handle, because the agent rewrites
 * call sites in the classes it selects: a call made from elsewhere would not be redirected.
 *
 * <p>The constructor checks that the agent is there exactly when it should be: an {@code agent-*} peer whose probe
 * buffer is not redirected, or a {@code direct-*} peer whose probe buffer is, throws {@link IllegalStateException}
 * rather than measure the wrong thing.
 */
public final class DirectPeer implements Peer {
    @SuppressWarnings("removal")
    private static final sun.misc.Unsafe UNSAFE = TheUnsafe.get();

    private final boolean gcFreed;
    private final boolean agent;
    private final BufferPoolMXBean directPool;

    /**
     * @param gcFreed true: a freed buffer is dropped for the GC; false: freed at once by {@code invokeCleaner}
     * @param agent   whether this JVM must run the offpool agent on this class
     * @throws IllegalStateException if the agent is missing when {@code agent} is true, or present when it is false
     */
    public DirectPeer(boolean gcFreed, boolean agent) {
        this.gcFreed = gcFreed;
        this.agent = agent;
        ByteBuffer probe = ByteBuffer.allocateDirect(64);
        boolean redirected = AgentProbe.isRedirected(probe);
        if (redirected != agent) {
            throw new IllegalStateException(agent
                    ? "peer " + name() + " needs -javaagent:agent/target/offpool-agent.jar=include="
                    + DirectPeer.class.getName() + "* (benchmarks/workloads.sh adds it); allocateDirect was not "
                    + "redirected"
                    : "peer " + name() + " must run without the offpool agent, but allocateDirect was redirected");
        }
        dispose(probe, false);
        directPool = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElse(null);
    }

    @Override
    public String name() {
        return (agent ? "agent-" : "direct-") + (gcFreed ? "gc" : "cleaner");
    }

    @Override
    public String description() {
        return "ByteBuffer.allocateDirect (zeroed) " + (gcFreed ? "dropped, freed by the GC" : "freed by "
                + "Unsafe.invokeCleaner") + (agent ? ", redirected into offpool by the agent" : "");
    }

    @Override
    public Blocks newBlocks(int capacity, Lifetime lifetime) {
        return new Buffers(capacity, lifetime, gcFreed);
    }

    /** {@inheritDoc} With the agent: offpool's reserved bytes (the redirected buffers are not the JDK's). */
    @Override
    public long allocatorBytes() {
        if (agent) {
            return OffPool.global().reservedBytes();
        }
        return directPool == null ? -1 : directPool.getMemoryUsed();
    }

    @SuppressWarnings("removal")
    private static void dispose(ByteBuffer buffer, boolean gcFreed) {
        if (!gcFreed) {
            UNSAFE.invokeCleaner(buffer);
        }
    }

    private static final class Buffers extends ObjectBlocks<ByteBuffer> {
        private final boolean gcFreed;

        Buffers(int capacity, Lifetime lifetime, boolean gcFreed) {
            super(capacity, lifetime);
            this.gcFreed = gcFreed;
        }

        @Override
        ByteBuffer allocateBlock(int byteSize) {
            return ByteBuffer.allocateDirect(byteSize);
        }

        @Override
        void freeBlock(ByteBuffer block) {
            dispose(block, gcFreed);
        }

        @Override
        void writeByte(ByteBuffer block, long offset) {
            block.put((int) offset, (byte) 1);
        }
    }

    /** Asks the agent; kept apart so that without the agent its classes are never needed. */
    private static final class AgentProbe {
        static boolean isRedirected(ByteBuffer buffer) {
            try {
                return Redirects.isRedirected(buffer);
            } catch (NoClassDefFoundError absent) {
                return false;
            }
        }
    }

}
