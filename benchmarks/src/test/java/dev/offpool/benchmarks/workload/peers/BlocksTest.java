package dev.offpool.benchmarks.workload.peers;

import dev.offpool.OffPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BlocksTest {
    private static final OffPool POOL = OffPool.builder().name("blocks-test").build();

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"offpool-raw", "offpool-segment", "direct-gc", "direct-cleaner", "glibc", "mimalloc",
            "netty-pooled", "netty-adaptive", "arena"})
    void everyPeerRunnableInProcessAllocatesTouchesMovesAndFreesBlocks(String name) {
        assumeTrue(!name.equals("mimalloc") || mimallocInstalled(), "libmimalloc.so.2 is not installed");
        try (Peer peer = peer(name)) {
            assertEquals(name, peer.name());
            Blocks own = peer.newBlocks(4, Lifetime.OWN_THREAD);
            Blocks request = peer.newBlocks(4, Lifetime.REQUEST);
            Blocks any = peer.newBlocks(2, Lifetime.ANY_THREAD);
            Blocks ring = peer.newBlocks(2, Lifetime.ANY_THREAD);

            own.allocate(0, 100);
            own.allocate(1, 70_000);
            own.touch(1);
            own.moveTo(1, own, 3);
            request.allocate(0, 40);
            request.allocate(2, 5000);
            request.touch(2);
            any.allocate(1, 1 << 20);
            any.touch(1);
            any.moveTo(1, ring, 0);

            assertEquals(2, own.blocksHeld());
            assertEquals(70_100, own.bytesHeld());
            assertEquals(70_000, own.size(3));
            assertEquals(0, own.size(1));
            assertEquals(0, any.blocksHeld());
            assertEquals(1 << 20, ring.bytesHeld());
            assertEquals(2, request.freeAll());
            assertEquals(0, request.bytesHeld());
            assertEquals(100, own.free(0));
            assertEquals(70_000, own.free(3));
            assertEquals(1 << 20, ring.free(0));
        }
    }

    @Test
    void allocatingIntoAFullSlotOrFreeingAnEmptyOneIsRefusedByName() {
        Blocks blocks = OffPoolPeer.raw(POOL).newBlocks(2, Lifetime.OWN_THREAD);
        blocks.allocate(0, 64);

        assertEquals("slot 0 already holds a block of 64 bytes",
                assertThrows(IllegalStateException.class, () -> blocks.allocate(0, 32)).getMessage());
        assertEquals("slot 1 holds no block", assertThrows(IllegalStateException.class, () -> blocks.free(1))
                .getMessage());
        assertEquals("block size must be at least 1 byte, was 0",
                assertThrows(IllegalArgumentException.class, () -> blocks.allocate(1, 0)).getMessage());
        assertEquals(64, blocks.size(0));
        blocks.free(0);
    }

    @Test
    void aBlockCannotMoveToAnotherLifetimeOrPeer() {
        Blocks own = OffPoolPeer.raw(POOL).newBlocks(1, Lifetime.OWN_THREAD);
        Blocks any = OffPoolPeer.raw(POOL).newBlocks(1, Lifetime.ANY_THREAD);
        Blocks segments = OffPoolPeer.segment(POOL).newBlocks(1, Lifetime.OWN_THREAD);
        own.allocate(0, 64);

        assertThrows(IllegalArgumentException.class, () -> own.moveTo(0, any, 0));
        assertThrows(IllegalArgumentException.class, () -> own.moveTo(0, segments, 0));
        assertEquals(64, own.size(0));
        own.free(0);
    }

    @Test
    void aRequestArenaFreesItsBlocksOnlyTogether() {
        Blocks request = new ArenaPeer().newBlocks(2, Lifetime.REQUEST);
        request.allocate(0, 64);

        assertEquals("a request's arena frees its blocks together: use freeAll()",
                assertThrows(UnsupportedOperationException.class, () -> request.free(0)).getMessage());
        assertEquals(1, request.freeAll());
    }

    @Test
    void theDirectPeersRefuseToRunWithoutTheAgentTheyNeed() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Peers.create("agent-gc"));

        assertEquals("peer agent-gc needs -javaagent:agent/target/offpool-agent.jar=include="
                + "dev.offpool.benchmarks.workload.peers.DirectPeer* (benchmarks/workloads.sh adds it); "
                + "allocateDirect was not redirected", e.getMessage());
    }

    @Test
    void anUnknownPeerIsRefusedWithTheList() {
        assertEquals("unknown peer 'tcmalloc'; peers: " + String.join(", ", Peers.NAMES),
                assertThrows(IllegalArgumentException.class, () -> Peers.create("tcmalloc")).getMessage());
    }

    private static Peer peer(String name) {
        return switch (name) {
            case "offpool-raw" -> OffPoolPeer.raw(POOL);
            case "offpool-segment" -> OffPoolPeer.segment(POOL);
            default -> Peers.create(name);
        };
    }

    private static boolean mimallocInstalled() {
        try {
            SymbolLookup.libraryLookup("libmimalloc.so.2", Arena.global());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
