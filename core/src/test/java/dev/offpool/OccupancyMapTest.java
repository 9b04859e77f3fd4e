package dev.offpool;

import dev.offpool.OccupancyMap.Arena;
import dev.offpool.OccupancyMap.Block;
import dev.offpool.OccupancyMap.LargeChunk;
import dev.offpool.OccupancyMap.Pool;
import dev.offpool.OccupancyMap.PoolState;
import dev.offpool.internal.DiscardingPageSource;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OccupancyMapTest {
    static final String SVG = "http://www.w3.org/2000/svg";

    /**
     * A heap whose every pool state is known: one 128 KiB arena of eight 16 KiB pools, no thread caches (so no
     * claims and blocks come straight from the pools, in order), no unused pool kept resident.
     */
    static final class KnownHeap implements AutoCloseable {
        final DiscardingPageSource source = new DiscardingPageSource();
        final OffPool pool = OffPool.builder().name("known-heap").pageSource(source).arenaSizeBytes(128 * 1024)
                .threadCacheBytes(0).retainedUnusedPoolBytes(0).build();
        final List<Long> live = new ArrayList<>();
        long largeLive;
        long hugeLive;

        KnownHeap() {
            for (int i = 0; i < 256; i++) {           // pool 0: every 64-byte block of class 3 -> full
                live.add(pool.allocateAddress(64));
            }
            live.add(pool.allocateAddress(16));        // pool 1: one 16-byte block -> partly used and sparse
            for (int i = 0; i < 100; i++) {           // pool 2: 100 of 341 48-byte blocks -> partly used
                live.add(pool.allocateAddress(48));
            }
            pool.freeAddress(pool.allocateAddress(32)); // pool 3: used, then its last block back -> discarded
            long first = pool.allocateAddress(100_000); // large tier: a free block between two live ones
            largeLive = pool.allocateAddress(100_000);
            pool.freeAddress(first);
            hugeLive = pool.allocateAddress(2 << 20);
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    static final PoolState[] KNOWN_STATES = {PoolState.FULL, PoolState.PARTLY_USED, PoolState.PARTLY_USED,
            PoolState.DISCARDED, PoolState.UNUSED, PoolState.UNUSED, PoolState.UNUSED, PoolState.UNUSED};

    @Test
    void snapshotOfAKnownHeapHasEveryPoolInItsState() {
        try (KnownHeap heap = new KnownHeap()) {
            OccupancyMap map = heap.pool.occupancy();
            assertEquals("known-heap", map.allocator());
            assertEquals("discarding", map.pageSource());
            assertEquals(1, map.arenas().size(), "one 128 KiB arena of 16 KiB pools");
            Arena arena = map.arenas().getFirst();
            assertEquals(128 * 1024, arena.byteSize());
            assertEquals(16 * 1024, arena.poolSizeBytes());
            assertEquals(8, arena.pools().size());
            for (int i = 0; i < 8; i++) {
                Pool p = arena.pools().get(i);
                assertEquals(i, p.index());
                assertEquals(arena.address() + i * 16384L, p.address());
                assertEquals(KNOWN_STATES[i], p.state(), "pool " + i);
                assertNull(p.claimant(), "no thread cache: nothing is claimed");
                assertEquals(0, p.cachedBlocks(), "no thread cache: nothing is cached");
            }
            Pool full = arena.pools().get(0);
            assertEquals(3, full.sizeClass());
            assertEquals(64, full.blockSizeBytes());
            assertEquals(256, full.capacity());
            assertEquals(256, full.liveBlocks());
            assertEquals(0, full.freeBlocks());
            assertFalse(full.isSparse());
            Pool sparse = arena.pools().get(1);
            assertEquals(0, sparse.sizeClass());
            assertEquals(1, sparse.liveBlocks());
            assertEquals(1023, sparse.freeBlocks());
            assertTrue(sparse.isSparse(), "one 16-byte block pins a 16 KiB pool");
            Pool partly = arena.pools().get(2);
            assertEquals(100, partly.liveBlocks());
            assertEquals(341, partly.capacity());
            assertFalse(partly.isSparse(), "4800 live bytes fill more than an eighth of the pool");
            Pool discarded = arena.pools().get(3);
            assertEquals(-1, discarded.sizeClass());
            assertEquals(0, discarded.capacity());
            assertEquals(1, map.sparsePools());
            assertEquals(1, map.pools(PoolState.FULL));
            assertEquals(2, map.pools(PoolState.PARTLY_USED));
            assertEquals(1, map.pools(PoolState.DISCARDED));
            assertEquals(4, map.pools(PoolState.UNUSED));

            assertEquals(1, map.largeChunks().size());
            LargeChunk chunk = map.largeChunks().getFirst();
            long tiled = 0;
            for (Block b : chunk.blocks()) {
                assertEquals(chunk.address() + tiled, b.address(), "blocks tile the chunk in address order");
                tiled += b.byteSize();
            }
            assertEquals(chunk.byteSize(), tiled);
            assertEquals(List.of(false, true, false), chunk.blocks().stream().map(Block::live).toList(),
                    "freed first block, live second block, free rest");
            assertEquals(heap.largeLive, chunk.blocks().get(1).address());
            assertTrue(chunk.fragmentation() > 0, "two free blocks: some free bytes lie outside the largest");
            assertFalse(chunk.spare());

            assertEquals(1, map.hugeMappings().size());
            assertEquals(heap.hugeLive, map.hugeMappings().getFirst().address());
            assertEquals(2 << 20, map.hugeMappings().getFirst().requestedBytes());

            PoolStats stats = heap.pool.stats();
            assertEquals(16384, stats.bytesInDiscardedPools(), "the one discarded pool, in the stats too");
            assertEquals(stats.reservedBytes() - 16384, stats.residentBytesAtMost());
            heap.pool.verify();
        }
    }

    @Test
    void aPoolAThreadCacheCarvesFromIsClaimedUntilTrimmed() {
        try (OffPool pool = OffPool.builder().arenaSizeBytes(128 * 1024).build()) {
            long block = pool.allocateAddress(48);
            Pool claimed = poolHolding(pool.occupancy(), block);
            assertEquals(PoolState.CLAIMED, claimed.state());
            assertEquals(Thread.currentThread().getName(), claimed.claimant());
            assertEquals(1, claimed.liveBlocks());
            assertTrue(claimed.cachedBlocks() > 0, "the refill put more blocks in this thread's cache");
            assertFalse(claimed.isSparse(), "a claimed pool is still being carved: not pinned");

            pool.trim();
            Pool released = poolHolding(pool.occupancy(), block);
            assertEquals(PoolState.PARTLY_USED, released.state());
            assertNull(released.claimant());
            assertEquals(0, released.cachedBlocks());
            assertTrue(released.isSparse(), "after trim one live block is all that holds the pool");
            pool.freeAddress(block);
        }
    }

    @Test
    void occupancyOfAClosedAllocatorIsRefused() {
        OffPool pool = OffPool.builder().build();
        pool.close();
        assertThrows(IllegalStateException.class, pool::occupancy);
    }

    @Test
    void pageHasOneCellPerPoolInItsStateAndOneRectPerLargeBlock() throws Exception {
        try (KnownHeap heap = new KnownHeap()) {
            OccupancyMap map = heap.pool.occupancy();
            Document page = parse(map.toHtml());
            List<Element> cells = elements(page, SVG, "g", "pool");
            assertEquals(8, cells.size(), "one cell per pool");
            String arena = "0x" + Long.toHexString(map.arenas().getFirst().address());
            for (Element cell : cells) {
                int index = Integer.parseInt(cell.getAttribute("data-pool"));
                assertEquals(arena, cell.getAttribute("data-arena"));
                assertEquals(KNOWN_STATES[index].name(), cell.getAttribute("data-state"), "pool " + index);
                Element title = (Element) cell.getElementsByTagNameNS(SVG, "title").item(0);
                assertNotNull(title, "pool " + index + " has a tooltip");
                assertTrue(title.getTextContent().contains(KNOWN_STATES[index].label()), title.getTextContent());
            }
            Element sparse = cells.stream().filter(c -> c.getAttribute("data-pool").equals("1")).findFirst()
                    .orElseThrow();
            assertEquals("true", sparse.getAttribute("data-sparse"));
            assertEquals("1", sparse.getAttribute("data-live"));
            assertEquals("0", sparse.getAttribute("data-class"));
            assertTrue(sparse.getTextContent().contains("1 of 1024 blocks live"), sparse.getTextContent());
            assertEquals(1, cells.stream().filter(c -> c.getAttribute("data-sparse").equals("true")).count());

            List<Element> blocks = elements(page, SVG, "rect", "block");
            LargeChunk chunk = map.largeChunks().getFirst();
            assertEquals(chunk.blocks().size(), blocks.size(), "one rect per large block");
            for (int i = 0; i < blocks.size(); i++) {
                assertEquals(String.valueOf(chunk.blocks().get(i).live()), blocks.get(i).getAttribute("data-live"));
                assertEquals(String.valueOf(chunk.blocks().get(i).byteSize()),
                        blocks.get(i).getAttribute("data-bytes"));
            }
            Element totals = page.getElementById("totals");
            assertTrue(totals == null || totals.getTextContent().contains("sparse"));
            assertTrue(page.getDocumentElement().getTextContent().contains("Huge mappings"));
        }
    }

    @Test
    void pageStaysWellFormedWhateverAThreadIsCalled() throws Exception {
        AtomicReference<OccupancyMap> map = new AtomicReference<>();
        try (OffPool pool = OffPool.builder().arenaSizeBytes(128 * 1024).build()) {
            Thread t = new Thread(() -> {
                pool.allocateAddress(32);
                map.set(pool.occupancy());
            }, "<&\"odd' \u0001name>");
            t.start();
            t.join();
            Document page = parse(map.get().toHtml());
            Element claimed = elements(page, SVG, "g", "pool").stream()
                    .filter(c -> c.getAttribute("data-state").equals("CLAIMED")).findFirst().orElseThrow();
            assertTrue(claimed.getTextContent().contains("claimed by <&\"odd' ?name>"), claimed.getTextContent());
        }
    }

    @Test
    void pageOfAnEmptyAllocatorSaysSo() throws Exception {
        try (OffPool pool = OffPool.builder().build()) {
            Document page = parse(pool.occupancy().toHtml());
            assertEquals(0, elements(page, SVG, "g", "pool").size());
            String text = page.getDocumentElement().getTextContent();
            assertTrue(text.contains("no pool arena is open"), text);
            assertTrue(text.contains("no large chunk is held"), text);
        }
    }

    static Pool poolHolding(OccupancyMap map, long address) {
        for (Arena arena : map.arenas()) {
            for (Pool p : arena.pools()) {
                if (address >= p.address() && address < p.address() + p.byteSize()) {
                    return p;
                }
            }
        }
        throw new AssertionError("no pool holds 0x" + Long.toHexString(address));
    }

    static Document parse(String xhtml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
        return factory.newDocumentBuilder().parse(new org.xml.sax.InputSource(new StringReader(xhtml)));
    }

    static List<Element> elements(Document page, String namespace, String localName, String cssClass) {
        NodeList all = page.getElementsByTagNameNS(namespace, localName);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            if (e.getAttribute("class").equals(cssClass)) {
                out.add(e);
            }
        }
        return out;
    }
}
