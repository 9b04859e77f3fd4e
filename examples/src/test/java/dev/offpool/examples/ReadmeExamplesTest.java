package dev.offpool.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the README honest: every Java block in it is a region ({@code // @start region=...} ... {@code // @end}) of
 * an example in this module, so it compiles with the build; and the examples those regions live in run.
 */
class ReadmeExamplesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern REGION = Pattern.compile("// @start region=\"[^\"]+\"\\n(.*?)// @end",
            Pattern.DOTALL);

    private static String normalized(String code) {
        return code.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce("", (a, b) -> a + b + "\n");
    }

    private static List<String> regions() throws IOException {
        List<String> regions = new ArrayList<>();
        try (Stream<Path> sources = Files.walk(ROOT.resolve("examples/src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = REGION.matcher(Files.readString(source));
                while (m.find()) {
                    regions.add(normalized(m.group(1)));
                }
            }
        }
        return regions;
    }

    @Test
    void everyJavaBlockInTheReadmeIsARegionOfACompiledExample() throws IOException {
        List<String> regions = regions();
        Matcher block = JAVA_BLOCK.matcher(Files.readString(ROOT.resolve("README.md")));
        int blocks = 0;
        while (block.find()) {
            blocks++;
            String code = normalized(block.group(1));
            assertTrue(regions.contains(code), "this README block is no region of an example:\n" + block.group(1));
        }
        assertTrue(blocks >= 4, "the README's API tour has its blocks: " + blocks);
    }

    @Test
    void theApiTourRuns() throws Throwable {
        ApiTour.main(new String[0]);
    }

    @Test
    void theJfrExampleRecordsOffpoolEvents() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(out, true));
        try {
            JfrExample.main(new String[0]);
        } finally {
            System.setOut(old);
        }
        String printed = out.toString();
        assertTrue(printed.contains("offpool.ChunkMapped") && printed.contains("offpool.InvalidFree")
                && printed.contains("offpool.AllocationSample"), printed);
    }

    @Test
    void theJnaExampleRuns() throws Exception {
        JnaExample.main(new String[0]);
    }

    @Test
    void theOccupancyMapExampleWritesAPage() throws Exception {
        Path page = Files.createTempFile("map", ".html");
        OccupancyMapExample.main(new String[] {page.toString()});
        String html = Files.readString(page);
        assertFalse(html.isEmpty());
        assertTrue(html.contains("<svg"), "an inline SVG picture");
        Files.delete(page);
    }
}
