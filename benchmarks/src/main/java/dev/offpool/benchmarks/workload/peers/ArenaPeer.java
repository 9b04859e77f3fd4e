package dev.offpool.benchmarks.workload.peers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The JDK's own arenas, one per lifetime where the lifetime fits an arena: a request's buffers come from one
 * {@code Arena.ofConfined()} that the request's end closes; a block freed alone by its own thread gets a confined
 * arena of its own. Every segment is zeroed by the JDK.
 *
 * <p>Where the lifetime does not fit: a block that another thread frees ({@link Lifetime#ANY_THREAD}) cannot live in
 * a confined arena (only its owner may close it), so it gets an {@code Arena.ofShared()} of its own, whose close is a
 * handshake with every thread of the JVM; and blocks freed one by one at random times (sessions, pinned blocks) get
 * an arena each, so this peer pays an arena per block there, which is what FFM code with such lifetimes must do.
 */
public final class ArenaPeer implements Peer {
    @Override
    public String name() {
        return "arena";
    }

    @Override
    public String description() {
        return "Arena.ofConfined() per request (closed at its end) or per block freed by its own thread; "
                + "Arena.ofShared() per block freed by another thread";
    }

    @Override
    public Blocks newBlocks(int capacity, Lifetime lifetime) {
        return lifetime == Lifetime.REQUEST ? new RequestArena(capacity) : new ArenaPerBlock(capacity, lifetime);
    }

    @Override
    public long allocatorBytes() {
        return -1;
    }

    /** All blocks of one request in one confined arena, opened on the first allocation, closed by freeAll. */
    private static final class RequestArena extends Blocks {
        private final MemorySegment[] segments;
        private Arena arena;

        RequestArena(int capacity) {
            super(capacity, Lifetime.REQUEST);
            segments = new MemorySegment[capacity];
        }

        @Override
        protected void store(int slot, int byteSize) {
            if (arena == null) {
                arena = Arena.ofConfined();
            }
            segments[slot] = arena.allocate(byteSize);
        }

        @Override
        protected void write(int slot, long offset) {
            segments[slot].set(ValueLayout.JAVA_BYTE, offset, (byte) 1);
        }

        @Override
        protected void release(int slot) {
            throw new UnsupportedOperationException("a request's arena frees its blocks together: use freeAll()");
        }

        @Override
        protected void releaseAll() {
            Arrays.fill(segments, null);
            arena.close();
            arena = null;
        }

        @Override
        protected void transfer(int slot, Blocks target, int targetSlot) {
            throw new UnsupportedOperationException("a block of a request's arena cannot move out of it");
        }
    }

    /** One arena per block: confined for {@link Lifetime#OWN_THREAD}, shared for {@link Lifetime#ANY_THREAD}. */
    private static final class ArenaPerBlock extends Blocks {
        private final Arena[] arenas;
        private final MemorySegment[] segments;
        private final boolean shared;

        ArenaPerBlock(int capacity, Lifetime lifetime) {
            super(capacity, lifetime);
            arenas = new Arena[capacity];
            segments = new MemorySegment[capacity];
            shared = lifetime == Lifetime.ANY_THREAD;
        }

        @Override
        protected void store(int slot, int byteSize) {
            Arena arena = shared ? Arena.ofShared() : Arena.ofConfined();
            segments[slot] = arena.allocate(byteSize);
            arenas[slot] = arena;
        }

        @Override
        protected void write(int slot, long offset) {
            segments[slot].set(ValueLayout.JAVA_BYTE, offset, (byte) 1);
        }

        @Override
        protected void release(int slot) {
            Arena arena = arenas[slot];
            arenas[slot] = null;
            segments[slot] = null;
            arena.close();
        }

        @Override
        protected void transfer(int slot, Blocks target, int targetSlot) {
            ArenaPerBlock to = (ArenaPerBlock) target;
            to.arenas[targetSlot] = arenas[slot];
            to.segments[targetSlot] = segments[slot];
            arenas[slot] = null;
            segments[slot] = null;
        }
    }
}
