package dev.offpool.agent.redirect;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlabDirectoryTest {

    @Test
    void findsEachSlabByItsScopeAndNoneOnceRemoved() {
        SlabDirectory directory = new SlabDirectory();
        List<Arena> arenas = new ArrayList<>();
        List<Slab> slabs = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            Arena arena = Arena.ofAuto();
            Slab slab = new Slab(0x1000L * (i + 1), arena.scope(), false);
            arenas.add(arena);
            slabs.add(slab);
            directory.add(slab);
        }
        assertEquals(5_000, directory.size());
        for (int i = 0; i < slabs.size(); i += 2) {
            directory.remove(slabs.get(i));
        }
        directory.remove(slabs.get(0)); // a second removal changes nothing
        assertEquals(2_500, directory.size());
        for (int i = 0; i < slabs.size(); i++) {
            Slab found = directory.find(arenas.get(i).scope());
            if (i % 2 == 0) {
                assertNull(found, "removed slab " + i);
            } else {
                assertSame(slabs.get(i), found, "slab " + i);
            }
        }
        assertNull(directory.find(Arena.ofAuto().scope()), "a scope that is no slab's");
        assertNull(directory.find(MemorySegment.NULL.scope()), "the global scope");
        int[] visited = {0};
        directory.forEach(slab -> visited[0]++);
        assertEquals(2_500, visited[0]);
    }

    @Test
    void holdsItsSlabsScopesOnlyWeakly() throws InterruptedException {
        SlabDirectory directory = new SlabDirectory();
        Slab slab = new Slab(0x1000L, Arena.ofAuto().scope(), false);
        directory.add(slab);
        for (int i = 0; i < 100 && !slab.refersTo(null); i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(slab.refersTo(null), "the directory kept the scope of a slab it holds alive");
    }
}
