package dev.offpool;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The occupancy map as a person sees it: rendered by headless Chromium (Debian's {@code chromium} package) into a
 * screenshot whose pixels must show each drawn state in its colour. The page and the screenshot stay in
 * {@code core/target/occupancy-map/} for a look.
 *
 * <p>Without Chromium the test is skipped on a developer's machine, and fails in CI ({@code CI=true}, as
 * {@code .ci/run} runs, which installs it first) or with {@code -Doffpool.requireBrowser=true}: a CI run must not
 * pass by not looking. {@code -Doffpool.chromium=/path/to/chrome} picks another binary.
 */
class OccupancyMapBrowserTest {
    private static final Path OUT = Path.of("target", "occupancy-map");

    @Test
    void chromiumRendersEveryStateOfAKnownHeap() throws Exception {
        String chromium = findChromium();
        Files.createDirectories(OUT);
        Path page = OUT.resolve("known-heap.html").toAbsolutePath();
        Path screenshot = OUT.resolve("known-heap.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        try (OccupancyMapTest.KnownHeap heap = new OccupancyMapTest.KnownHeap()) {
            Files.writeString(page, heap.pool.occupancy().toHtml());
        }
        Path profile = Files.createTempDirectory("offpool-chromium");
        List<String> command = List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--hide-scrollbars", "--window-size=1300,1100",
                "--screenshot=" + screenshot, page.toUri().toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "chromium did not finish: " + log);
        assertEquals(0, process.exitValue(), "chromium failed:\n" + log);
        assertTrue(Files.size(screenshot) > 0, "no screenshot written:\n" + log);

        BufferedImage image = ImageIO.read(screenshot.toFile());
        assertEquals(1300, image.getWidth());
        Map<Integer, Integer> pixels = new HashMap<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                pixels.merge(image.getRGB(x, y) & 0xFFFFFF, 1, Integer::sum);
            }
        }
        assertTrue(pixels.size() > 20, "the page rendered as " + pixels.size() + " colours: blank?");
        // Four unused pools (14 x 14 px each) and the legend's swatch: well over 500 pixels of their grey.
        assertAtLeast(pixels, OccupancyPage.UNUSED_FILL, 500, "unused pools");
        // The sparse pool's red frame and dot, and the legend's.
        assertAtLeast(pixels, OccupancyPage.SPARSE_STROKE, 60, "the sparse pool's mark");
        // The dashed outline of the discarded pool and of its legend swatch.
        assertAtLeast(pixels, OccupancyPage.DISCARDED_STROKE, 20, "the discarded pool's outline");
        // The large chunk: a live block of about 100 KB in a 4 MiB bar 1024 px wide (about 24 px by 18), the
        // rest free.
        assertAtLeast(pixels, OccupancyPage.LIVE_BLOCK_FILL, 200, "the live large block");
        assertAtLeast(pixels, OccupancyPage.FREE_BLOCK_FILL, 5_000, "the large chunk's free blocks");
    }

    private static void assertAtLeast(Map<Integer, Integer> pixels, String hexColour, int least, String what) {
        int rgb = Integer.parseInt(hexColour.substring(1), 16);
        int count = pixels.getOrDefault(rgb, 0);
        assertTrue(count >= least, what + ": " + count + " pixels of " + hexColour + ", expected at least " + least
                + " (screenshot in " + OUT.toAbsolutePath() + ")");
    }

    private static String findChromium() {
        String configured = System.getProperty("offpool.chromium");
        if (configured != null) {
            return configured;
        }
        List<String> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                candidates.add(Path.of(dir, name).toString());
            }
        }
        for (String candidate : candidates) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        String missing = "no chromium on the PATH: install Debian's package (apt-get install chromium) or point "
                + "-Doffpool.chromium at a Chromium binary";
        if ("true".equals(System.getenv("CI")) || Boolean.getBoolean("offpool.requireBrowser")) {
            fail(missing + "; CI must look at the page, so this fails rather than skips");
        }
        Assumptions.abort(missing);
        return null;
    }
}
