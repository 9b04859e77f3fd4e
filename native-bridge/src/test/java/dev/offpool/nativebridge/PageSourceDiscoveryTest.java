package dev.offpool.nativebridge;

import dev.offpool.OffPool;
import dev.offpool.spi.PageSource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PageSourceDiscoveryTest {

    @Test
    void serviceLoaderFindsTheMmapSource() {
        List<PageSource> found = new ArrayList<>();
        ServiceLoader.load(PageSource.class).forEach(found::add);
        assertTrue(found.stream().anyMatch(MmapPageSource.class::isInstance), "found " + found);
    }

    @Test
    void offPoolTakesItsArenasFromMmapWhenNativeBridgeIsOnThePath() {
        try (OffPool pool = OffPool.builder().build()) {
            assertEquals("mmap", pool.stats().pageSource());

            // Enough blocks for a few 1 MiB arenas, so arenas are opened and, once empty, released.
            List<MemorySegment> blocks = new ArrayList<>();
            for (int i = 0; i < 8000; i++) {
                MemorySegment block = pool.allocate(16 + (i % 32) * 16);
                block.set(ValueLayout.JAVA_INT, 0, i);
                blocks.add(block);
            }
            assertTrue(pool.stats().arenasCurrent() >= 2, pool.stats().toString());
            pool.verify();
            for (int i = 0; i < blocks.size(); i++) {
                assertEquals(i, blocks.get(i).get(ValueLayout.JAVA_INT, 0));
                pool.free(blocks.get(i));
            }
            pool.trim();
            pool.verify();
            assertTrue(pool.stats().arenasReclaimed() >= 1, pool.stats().toString());
        }
    }
}
