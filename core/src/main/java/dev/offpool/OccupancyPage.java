package dev.offpool;

import dev.offpool.OccupancyMap.Arena;
import dev.offpool.OccupancyMap.Block;
import dev.offpool.OccupancyMap.HugeMapping;
import dev.offpool.OccupancyMap.LargeChunk;
import dev.offpool.OccupancyMap.Pool;
import dev.offpool.OccupancyMap.PoolState;

import java.io.IOException;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Draws an {@link OccupancyMap} as one self-contained XHTML page with inline SVG; see
 * {@link OccupancyMap#writeHtml(Appendable)} for what it shows.
 *
 * <pre>
 *  Pool arenas: one row per arena, one cell per pool
 *
 *   arena 0x7f..00000  [##][#.][  ][::][**][  ] ...     cell = pool; its background says the state:
 *   16 KiB pools        |   |    |   |   |               grey = unused, dashed white = discarded,
 *                       |   |    |   |   +- claimed      class tint = serving a class; the bar rising from the
 *                       |   |    |   +----- discarded    bottom is the blocks out: dark = live, light = cached;
 *                       |   |    +--------- unused       blue frame = claimed by a thread cache;
 *                       |   +-------------- sparse       red frame and dot = sparse (a few live blocks pin it)
 *                       +------------------ full
 *
 *  Large tier: one bar per chunk, blocks to scale, live dark, free light
 * </pre>
 *
 * <p>The page is well-formed XML (every text escaped, every element closed) so an XML parser reads it back; it has
 * no script and loads nothing, so it renders the same from a file, an e-mail attachment or a CI artefact.
 */
final class OccupancyPage {
    private static final int CELL = 14;
    private static final int GAP = 2;
    private static final int LABEL_WIDTH = 190;
    private static final int ROW_HEIGHT = CELL + 6;
    private static final int CHUNK_WIDTH = 1024;
    private static final int CHUNK_HEIGHT = 18;
    private static final int CHUNK_ROW = CHUNK_HEIGHT + 22;

    /** Fill colours of the states that serve no class, and the marks; also in the legend. */
    static final String UNUSED_FILL = "#d9d9d9";
    static final String DISCARDED_FILL = "#ffffff";
    static final String DISCARDED_STROKE = "#8c8c8c";
    static final String CLAIMED_STROKE = "#1f4fd8";
    static final String SPARSE_STROKE = "#e00000";
    static final String LIVE_BLOCK_FILL = "#3d5a99";
    static final String FREE_BLOCK_FILL = "#ffd27a";

    private final OccupancyMap map;
    private final Appendable out;

    OccupancyPage(OccupancyMap map, Appendable out) {
        this.map = map;
        this.out = out;
    }

    void write() throws IOException {
        out.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n<title>offpool occupancy: ").append(text(map.allocator()))
                .append("</title>\n<style>\n")
                .append("body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #222; }\n")
                .append("h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 20px 0 6px; }\n")
                .append("table { border-collapse: collapse; margin: 6px 0; }\n")
                .append("td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }\n")
                .append("th { background: #f3f3f3; } td.name, th.name { text-align: left; }\n")
                .append(".note { color: #555; max-width: 1200px; }\n")
                .append("svg text { font: 11px system-ui, sans-serif; fill: #333; }\n")
                .append("</style>\n</head>\n<body>\n");
        out.append("<h1>offpool occupancy map: ").append(text(map.allocator())).append("</h1>\n");
        out.append("<p class=\"note\">Page source ").append(text(map.pageSource())).append(", ")
                .append(bytes(map.reservedBytes())).append(" reserved")
                .append(map.reservedBytesLimit() == Long.MAX_VALUE ? "" : " of a " + bytes(map.reservedBytesLimit())
                        + " limit").append(". Hover over a pool or a block for its details.</p>\n");
        totals();
        arenas();
        largeTier();
        hugeMappings();
        out.append("</body>\n</html>\n");
    }

    // -----------------------------------------------------------------------------------------------------------
    // Totals.
    // -----------------------------------------------------------------------------------------------------------

    private void totals() throws IOException {
        out.append("<h2>Totals</h2>\n<table id=\"totals\">\n<tr><th class=\"name\">pools</th><th>count</th>")
                .append("<th>bytes</th><th>live blocks</th><th>live bytes</th></tr>\n");
        for (PoolState state : PoolState.values()) {
            int count = 0;
            long poolBytes = 0;
            long liveBlocks = 0;
            long liveBytes = 0;
            for (Arena arena : map.arenas()) {
                for (Pool pool : arena.pools()) {
                    if (pool.state() == state) {
                        count++;
                        poolBytes += pool.byteSize();
                        liveBlocks += pool.liveBlocks();
                        liveBytes += pool.liveBytes();
                    }
                }
            }
            totalsRow(state.label(), "state-" + state.name(), count, poolBytes, liveBlocks, liveBytes);
        }
        int sparse = 0;
        long sparseBytes = 0;
        long sparseLiveBlocks = 0;
        long sparseLiveBytes = 0;
        for (Arena arena : map.arenas()) {
            for (Pool pool : arena.pools()) {
                if (pool.isSparse()) {
                    sparse++;
                    sparseBytes += pool.byteSize();
                    sparseLiveBlocks += pool.liveBlocks();
                    sparseLiveBytes += pool.liveBytes();
                }
            }
        }
        totalsRow("of which sparse (pinned by a few live blocks)", "sparse", sparse, sparseBytes, sparseLiveBlocks,
                sparseLiveBytes);
        out.append("</table>\n<p class=\"note\">").append(String.valueOf(map.arenas().size()))
                .append(" pool arenas; ").append(String.valueOf(map.largeChunks().size())).append(" large chunks; ")
                .append(String.valueOf(map.hugeMappings().size())).append(" huge mappings. A sparse pool is one no ")
                .append("thread cache carves from whose live blocks fill at most an eighth of it: those few blocks ")
                .append("keep the whole pool from other size classes and from the OS.</p>\n");
    }

    private void totalsRow(String label, String id, long count, long poolBytes, long liveBlocks, long liveBytes)
            throws IOException {
        out.append("<tr id=\"").append(id).append("\"><td class=\"name\">").append(text(label)).append("</td><td>")
                .append(String.format(Locale.ROOT, "%,d", count)).append("</td><td>").append(bytes(poolBytes))
                .append("</td><td>").append(String.format(Locale.ROOT, "%,d", liveBlocks)).append("</td><td>")
                .append(bytes(liveBytes)).append("</td></tr>\n");
    }

    // -----------------------------------------------------------------------------------------------------------
    // Pool arenas.
    // -----------------------------------------------------------------------------------------------------------

    private void arenas() throws IOException {
        out.append("<h2>Pool arenas</h2>\n<p class=\"note\">One row per arena, one cell per pool, by address. ")
                .append("A cell's tint is its size class; the bar rising in it is the share of its blocks out ")
                .append("(dark: held by callers, light: in thread caches).</p>\n");
        legend();
        int maxPools = 0;
        for (Arena arena : map.arenas()) {
            maxPools = Math.max(maxPools, arena.pools().size());
        }
        int width = LABEL_WIDTH + maxPools * (CELL + GAP) + 8;
        int height = Math.max(1, map.arenas().size()) * ROW_HEIGHT + 4;
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"arenas\" width=\"").append(num(width))
                .append("\" height=\"").append(num(height)).append("\" role=\"img\" aria-label=\"pool arenas\">\n");
        if (map.arenas().isEmpty()) {
            out.append("<text x=\"0\" y=\"14\">no pool arena is open</text>\n");
        }
        int y = 2;
        for (Arena arena : map.arenas()) {
            out.append("<g class=\"arena\" data-arena=\"").append(hex(arena.address())).append("\">\n")
                    .append("<text x=\"0\" y=\"").append(num(y + CELL - 3)).append("\">").append(hex(arena.address()))
                    .append(" \u00b7 ").append(bytes(arena.poolSizeBytes())).append(" pools</text>\n");
            int x = LABEL_WIDTH;
            for (Pool pool : arena.pools()) {
                pool(arena, pool, x, y);
                x += CELL + GAP;
            }
            out.append("</g>\n");
            y += ROW_HEIGHT;
        }
        out.append("</svg>\n");
    }

    private void pool(Arena arena, Pool pool, int x, int y) throws IOException {
        PoolState state = pool.state();
        out.append("<g class=\"pool\" data-arena=\"").append(hex(arena.address())).append("\" data-pool=\"")
                .append(num(pool.index())).append("\" data-state=\"").append(state.name()).append("\" data-class=\"")
                .append(num(pool.sizeClass())).append("\" data-live=\"").append(num(pool.liveBlocks()))
                .append("\" data-cached=\"").append(num(pool.cachedBlocks())).append("\" data-sparse=\"")
                .append(String.valueOf(pool.isSparse())).append("\"><title>").append(text(tooltip(arena, pool)))
                .append("</title>");
        switch (state) {
            case UNUSED -> rect(x, y, CELL, CELL, UNUSED_FILL, null, null);
            case DISCARDED -> rect(x + 0.5, y + 0.5, CELL - 1, CELL - 1, DISCARDED_FILL, DISCARDED_STROKE, "2 2");
            default -> {
                rect(x, y, CELL, CELL, classTint(pool.sizeClass()), null, null);
                double live = CELL * (double) pool.liveBlocks() / pool.capacity();
                double cached = CELL * (double) pool.cachedBlocks() / pool.capacity();
                if (pool.liveBlocks() > 0) {
                    live = Math.max(live, 1.5); // one block in a thousand still shows
                }
                if (cached > 0) {
                    rect(x, y + CELL - live - cached, CELL, cached, classShade(pool.sizeClass(), 72), null, null);
                }
                if (live > 0) {
                    rect(x, y + CELL - live, CELL, live, classShade(pool.sizeClass(), 38), null, null);
                }
                if (state == PoolState.CLAIMED) {
                    rect(x + 1, y + 1, CELL - 2, CELL - 2, "none", CLAIMED_STROKE, null);
                }
                if (pool.isSparse()) {
                    rect(x + 1, y + 1, CELL - 2, CELL - 2, "none", SPARSE_STROKE, null);
                    out.append("<circle cx=\"").append(num(x + CELL / 2.0)).append("\" cy=\"")
                            .append(num(y + CELL / 2.0 - 2)).append("\" r=\"2.5\" fill=\"").append(SPARSE_STROKE)
                            .append("\"/>");
                }
            }
        }
        out.append("</g>\n");
    }

    private static String tooltip(Arena arena, Pool pool) {
        StringBuilder t = new StringBuilder();
        t.append("pool ").append(pool.index()).append(" of arena ").append(hex(arena.address())).append(" at ")
                .append(hex(pool.address())).append(" (").append(bytes(pool.byteSize())).append(")\n")
                .append(pool.state().label());
        if (pool.state().servesClass()) {
            t.append(": class ").append(pool.sizeClass()).append(" (").append(pool.blockSizeBytes())
                    .append("-byte blocks)\n").append(pool.liveBlocks()).append(" of ").append(pool.capacity())
                    .append(" blocks live, ").append(pool.cachedBlocks()).append(" cached, ").append(pool.freeBlocks())
                    .append(" free");
            if (pool.claimant() != null) {
                t.append("\nclaimed by ").append(pool.claimant());
            }
            if (pool.isSparse()) {
                t.append("\nsparse: ").append(bytes(pool.liveBytes())).append(" live pin ")
                        .append(bytes(pool.byteSize()));
            }
        } else if (pool.state() == PoolState.DISCARDED) {
            t.append(": its pages are back with the OS");
        } else {
            t.append(": free for any class");
        }
        return t.toString();
    }

    private void legend() throws IOException {
        TreeMap<Integer, Integer> classes = new TreeMap<>();
        for (Arena arena : map.arenas()) {
            for (Pool pool : arena.pools()) {
                if (pool.state().servesClass()) {
                    classes.put(pool.sizeClass(), pool.blockSizeBytes());
                }
            }
        }
        int stateItems = 6;
        int rows = 1 + (classes.size() + 7) / 8;
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"legend\" width=\"1100\" height=\"")
                .append(num(rows * ROW_HEIGHT + 4)).append("\" role=\"img\" aria-label=\"legend\">\n");
        int x = 0;
        int y = 2;
        for (int item = 0; item < stateItems; item++) {
            String label;
            switch (item) {
                case 0 -> {
                    rect(x, y, CELL, CELL, UNUSED_FILL, null, null);
                    label = "unused";
                }
                case 1 -> {
                    rect(x + 0.5, y + 0.5, CELL - 1, CELL - 1, DISCARDED_FILL, DISCARDED_STROKE, "2 2");
                    label = "discarded (pages back with the OS)";
                }
                case 2 -> {
                    rect(x, y, CELL, CELL, classTint(0), null, null);
                    rect(x, y + CELL / 2.0, CELL, CELL / 2.0, classShade(0, 38), null, null);
                    label = "partly used (bar: blocks out)";
                }
                case 3 -> {
                    rect(x, y, CELL, CELL, classShade(0, 38), null, null);
                    label = "full";
                }
                case 4 -> {
                    rect(x, y, CELL, CELL, classTint(0), null, null);
                    rect(x + 1, y + 1, CELL - 2, CELL - 2, "none", CLAIMED_STROKE, null);
                    label = "claimed by a thread cache";
                }
                default -> {
                    rect(x, y, CELL, CELL, classTint(0), null, null);
                    rect(x, y + CELL - 1.5, CELL, 1.5, classShade(0, 38), null, null);
                    rect(x + 1, y + 1, CELL - 2, CELL - 2, "none", SPARSE_STROKE, null);
                    out.append("<circle cx=\"").append(num(x + CELL / 2.0)).append("\" cy=\"")
                            .append(num(y + CELL / 2.0 - 2)).append("\" r=\"2.5\" fill=\"").append(SPARSE_STROKE)
                            .append("\"/>");
                    label = "sparse: a few live blocks pin it";
                }
            }
            out.append("<text x=\"").append(num(x + CELL + 4)).append("\" y=\"").append(num(y + CELL - 3))
                    .append("\">").append(text(label)).append("</text>\n");
            x += CELL + 28 + label.length() * 6; // 11px text runs under 6px a character
        }
        int i = 0;
        for (var entry : classes.entrySet()) {
            int cx = (i % 8) * 135;
            int cy = 2 + (1 + i / 8) * ROW_HEIGHT;
            out.append("<g class=\"legend-class\" data-class=\"").append(num(entry.getKey())).append("\">");
            rect(cx, cy, CELL, CELL, classShade(entry.getKey(), 38), null, null);
            out.append("<text x=\"").append(num(cx + CELL + 4)).append("\" y=\"").append(num(cy + CELL - 3))
                    .append("\">class ").append(num(entry.getKey())).append(": ")
                    .append(bytes(entry.getValue())).append("</text></g>\n");
            i++;
        }
        out.append("</svg>\n");
    }

    // -----------------------------------------------------------------------------------------------------------
    // Large tier and huge mappings.
    // -----------------------------------------------------------------------------------------------------------

    private void largeTier() throws IOException {
        long live = 0;
        long free = 0;
        long largest = 0;
        for (LargeChunk chunk : map.largeChunks()) {
            live += chunk.liveBytes();
            free += chunk.freeBytes();
            largest = Math.max(largest, chunk.largestFreeBlock());
        }
        double fragmentation = free == 0 ? 0.0 : 1.0 - (double) largest / free;
        out.append("<h2>Large tier</h2>\n<p class=\"note\">One bar per chunk, its blocks to scale: dark = live, ")
                .append("light = free. ").append(bytes(live)).append(" live, ").append(bytes(free))
                .append(" free, largest free block ").append(bytes(largest)).append(", fragmentation ")
                .append(percent(fragmentation)).append(" (the share of free bytes outside the largest free block).")
                .append("</p>\n");
        int height = Math.max(1, map.largeChunks().size()) * CHUNK_ROW + 4;
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"large\" width=\"").append(num(CHUNK_WIDTH + 4))
                .append("\" height=\"").append(num(height)).append("\" role=\"img\" aria-label=\"large chunks\">\n");
        if (map.largeChunks().isEmpty()) {
            out.append("<text x=\"0\" y=\"14\">no large chunk is held</text>\n");
        }
        int y = 2;
        for (LargeChunk chunk : map.largeChunks()) {
            long liveBlocks = chunk.blocks().stream().filter(Block::live).count();
            out.append("<g class=\"chunk\" data-chunk=\"").append(hex(chunk.address())).append("\">\n")
                    .append("<text x=\"0\" y=\"").append(num(y + 11)).append("\">").append(hex(chunk.address()))
                    .append(" \u00b7 ").append(bytes(chunk.byteSize())).append(chunk.spare() ? " (spare)" : "")
                    .append(": ").append(num(liveBlocks)).append(" live blocks, ").append(bytes(chunk.liveBytes()))
                    .append(" live; ").append(num(chunk.blocks().size() - liveBlocks)).append(" free blocks, ")
                    .append(bytes(chunk.freeBytes())).append(" free; largest free ")
                    .append(bytes(chunk.largestFreeBlock())).append("; fragmentation ")
                    .append(percent(chunk.fragmentation())).append("</text>\n");
            double scale = (double) CHUNK_WIDTH / chunk.byteSize();
            for (Block block : chunk.blocks()) {
                double x = (block.address() - chunk.address()) * scale;
                double w = Math.max(0.5, block.byteSize() * scale);
                out.append("<rect class=\"block\" data-chunk=\"").append(hex(chunk.address())).append("\" data-live=\"")
                        .append(String.valueOf(block.live())).append("\" data-bytes=\"").append(num(block.byteSize()))
                        .append("\" x=\"").append(num(x)).append("\" y=\"").append(num(y + 16)).append("\" width=\"")
                        .append(num(w)).append("\" height=\"").append(num(CHUNK_HEIGHT)).append("\" fill=\"")
                        .append(block.live() ? LIVE_BLOCK_FILL : FREE_BLOCK_FILL).append("\"><title>")
                        .append(block.live() ? "live" : "free").append(" block at ").append(hex(block.address()))
                        .append(", ").append(text(bytes(block.byteSize()))).append("</title></rect>\n");
            }
            out.append("</g>\n");
            y += CHUNK_ROW;
        }
        out.append("</svg>\n");
    }

    private void hugeMappings() throws IOException {
        out.append("<h2>Huge mappings</h2>\n");
        if (map.hugeMappings().isEmpty()) {
            out.append("<p class=\"note\">No huge block is live.</p>\n");
            return;
        }
        out.append("<table id=\"huge\">\n<tr><th class=\"name\">address</th><th>mapped</th><th>requested</th></tr>\n");
        for (HugeMapping m : map.hugeMappings()) {
            out.append("<tr><td class=\"name\">").append(hex(m.address())).append("</td><td>")
                    .append(bytes(m.mappedBytes())).append("</td><td>").append(bytes(m.requestedBytes()))
                    .append("</td></tr>\n");
        }
        out.append("</table>\n");
    }

    // -----------------------------------------------------------------------------------------------------------
    // Drawing and text.
    // -----------------------------------------------------------------------------------------------------------

    private void rect(double x, double y, double w, double h, String fill, String stroke, String dash)
            throws IOException {
        out.append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"").append(num(w))
                .append("\" height=\"").append(num(h)).append("\" fill=\"").append(fill).append('"');
        if (stroke != null) {
            out.append(" stroke=\"").append(stroke).append("\" stroke-width=\"").append(dash == null ? "2" : "1")
                    .append('"');
        }
        if (dash != null) {
            out.append(" stroke-dasharray=\"").append(dash).append('"');
        }
        out.append("/>");
    }

    /** The class's hue: the golden angle apart from its neighbour's, so adjacent classes never look alike. */
    private static int hue(int sizeClass) {
        return (int) Math.round((sizeClass * 137.508) % 360);
    }

    private static String classTint(int sizeClass) {
        return "hsl(" + hue(sizeClass) + ", 55%, 90%)";
    }

    private static String classShade(int sizeClass, int lightness) {
        return "hsl(" + hue(sizeClass) + ", 60%, " + lightness + "%)";
    }

    private static String num(long n) {
        return Long.toString(n);
    }

    private static String num(double n) {
        return n == Math.rint(n) ? Long.toString((long) n) : String.format(Locale.ROOT, "%.2f", n);
    }

    private static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }

    /** {@return a size in the largest binary unit that keeps it at least 1, exact bytes below 1 KiB} */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v)) + " "
                + units[u];
    }

    /**
     * {@return {@code s} safe as XML text or attribute value: markup characters escaped, characters XML 1.0 forbids
     * (controls other than tab and newline, unpaired surrogates) replaced by {@code '?'}}
     */
    static String text(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1));
                    if (pair) {
                        b.append(c).append(s.charAt(++i));
                    } else if ((c < 0x20 && c != '\t' && c != '\n') || Character.isSurrogate(c) || c == 0xFFFE
                            || c == 0xFFFF) {
                        b.append('?');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
