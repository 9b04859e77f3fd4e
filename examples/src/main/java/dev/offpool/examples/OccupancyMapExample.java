package dev.offpool.examples;

import dev.offpool.OccupancyMap;
import dev.offpool.OffPool;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws the occupancy map of a heap after a burst of allocations was mostly freed: the picture in
 * docs/OBSERVABILITY.md. Run it and open the page it writes in a browser:
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp ... dev.offpool.examples.OccupancyMapExample offpool-map.html
 * </pre>
 *
 * <p>The heap: 20,000 small and medium blocks, of which one in fifty is kept; a large tier where every other block
 * is kept; one huge block. Then {@link OffPool#trim()} hands back what it can, so the map shows pools discarded to
 * the OS (with native-bridge's mmap page source on the path) beside the sparse pools a few kept blocks still pin;
 * a last burst of allocations leaves a pool claimed by this thread's cache.
 */
public final class OccupancyMapExample {
    private OccupancyMapExample() {
    }

    /**
     * @param args the file to write (default {@code offpool-map.html})
     * @throws IOException if it cannot be written
     */
    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "offpool-map.html");
        try (OffPool pool = OffPool.builder().name("example").build()) {
            SplittableRandom random = new SplittableRandom(7);
            List<Long> kept = new ArrayList<>();
            List<Long> dropped = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                // Mostly small requests, a tail of medium ones up to 4 KiB, as a message-handling app makes.
                long size = random.nextInt(10) < 8 ? 8 + random.nextInt(505) : 513 + random.nextInt(3584);
                (random.nextInt(50) == 0 ? kept : dropped).add(pool.allocateAddress(size));
            }
            for (int i = 0; i < 40; i++) {
                long block = pool.allocateAddress(20_000 + random.nextInt(120_000));
                (i % 2 == 0 ? kept : dropped).add(block);
            }
            kept.add(pool.allocateAddress(3 << 20));
            dropped.forEach(pool::freeAddress);
            pool.trim();
            for (int i = 0; i < 40; i++) {
                kept.add(pool.allocateAddress(96)); // this thread's cache claims a fresh pool to carve them from
            }

            OccupancyMap map = pool.occupancy();
            try (Writer out = Files.newBufferedWriter(file)) {
                map.writeHtml(out);
            }
            System.out.printf("%s: %d arenas, %d pools full, %d partly used (%d sparse), %d claimed, %d unused, %d"
                            + " discarded; %d large chunks, %d huge mappings%n", file.toAbsolutePath(),
                    map.arenas().size(), map.pools(OccupancyMap.PoolState.FULL),
                    map.pools(OccupancyMap.PoolState.PARTLY_USED), map.sparsePools(),
                    map.pools(OccupancyMap.PoolState.CLAIMED), map.pools(OccupancyMap.PoolState.UNUSED),
                    map.pools(OccupancyMap.PoolState.DISCARDED), map.largeChunks().size(), map.hugeMappings().size());
            kept.forEach(pool::freeAddress);
        }
    }
}
