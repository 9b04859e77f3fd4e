package dev.offpool.benchmarks.workload.report;

import dev.offpool.benchmarks.workload.RunFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.xml.sax.SAXException;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report on three small runs written here by hand, whose figures are worked out in the comments: it must draw
 * well-formed SVG plots naming every peer, and write exactly the expected tables.
 */
class WorkloadReportTest {
    private static final long MIB = 1 << 20;
    private static final long BASELINE = 100 * MIB;

    @TempDir
    static Path results;

    @BeforeAll
    static void writeRuns() throws IOException {
        // server, offpool-raw: 16,000 allocations and 4,000 requests in the 4 s after the fill sample; from 3 s on
        // (the second half) off-heap RSS 11, 11.25, 11 MiB over 10 MiB live: mean 11.08 MiB, ratio 1.11x, at most
        // 1.125x.
        writeRun("server-offpool-raw-t1", summary("server", "offpool-raw", 200, 5_000, 30_000, 1_000_000, 1, 5, 5, 0),
                sample(1000, "fill", 0, 1000, 10 * MIB, 12 * MIB),
                sample(2000, "run", 1000, 5000, 10 * MIB, 11 * MIB),
                sample(3000, "run", 2000, 9000, 10 * MIB, 11 * MIB),
                sample(4000, "run", 3000, 13000, 10 * MIB, 11 * MIB + MIB / 4),
                sample(5000, "run", 4000, 17000, 10 * MIB, 11 * MIB));
        // server, glibc: the same rates; 16 MiB over 10 MiB live throughout: 1.60x.
        writeRun("server-glibc-t1", summary("server", "glibc", 250, 9_000, 60_000, 3_000_000, 0, 0, 0, 0),
                sample(1000, "fill", 0, 2000, 10 * MIB, 16 * MIB),
                sample(2000, "run", 1000, 6000, 10 * MIB, 16 * MIB),
                sample(3000, "run", 2000, 10000, 10 * MIB, 16 * MIB),
                sample(4000, "run", 3000, 14000, 10 * MIB, 16 * MIB),
                sample(5000, "run", 4000, 18000, 10 * MIB, 16 * MIB));
        // burst, offpool-raw: steady at 12 MiB (the last third of steady is the 3 s sample), peak 45 MiB in the hold;
        // the first "after" sample (6 s) is at 20 MiB, the next at 13 MiB, within 10% of 12: back in 1.0 s, for good.
        // Throughput: 10,000 allocations and 700 requests in the 7.5 s after the fill sample.
        writeRun("burst-offpool-raw-t1", summary("burst", "offpool-raw", 300, 6_000, 40_000, 2_000_000, 2, 10, 6, 0),
                sample(500, "fill", 0, 100, 10 * MIB, 12 * MIB),
                sample(1000, "steady", 100, 1100, 10 * MIB, 12 * MIB),
                sample(2000, "steady", 200, 2100, 10 * MIB, 12 * MIB),
                sample(3000, "steady", 300, 3100, 10 * MIB, 12 * MIB),
                sample(4000, "burst", 300, 6100, 40 * MIB, 44 * MIB),
                sample(5000, "hold", 400, 7100, 40 * MIB, 45 * MIB),
                sample(6000, "after", 500, 8100, 10 * MIB, 20 * MIB),
                sample(7000, "after", 600, 9100, 10 * MIB, 13 * MIB),
                sample(8000, "after", 700, 10100, 10 * MIB, 12 * MIB + MIB / 2));
    }

    @Test
    void everyPlotIsWellFormedSvgNamingItsPeers(@TempDir Path output) throws Exception {
        List<Path> written = WorkloadReport.render(results, output);

        assertEquals(List.of("throughput-server.svg", "memory-server-t1.svg", "latency-server-t1.svg",
                        "throughput-burst.svg", "memory-burst-t1.svg", "latency-burst-t1.svg", "figures.md"),
                written.stream().map(file -> file.getFileName().toString()).toList());
        for (Path file : written.subList(0, written.size() - 1)) {
            Document svg = parse(file);
            assertEquals("svg", svg.getDocumentElement().getTagName(), file.toString());
            String text = svg.getDocumentElement().getTextContent();
            assertTrue(text.contains("offpool-raw"), file + " does not name offpool-raw");
            if (file.getFileName().toString().contains("server")) {
                assertTrue(text.contains("glibc"), file + " does not name glibc");
            }
        }
        assertTrue(parse(output.resolve("memory-server-t1.svg")).getDocumentElement().getTextContent()
                .contains("live bytes (offpool-raw run)"));
    }

    @Test
    void theTablesHoldTheFiguresWorkedOutByHand(@TempDir Path output) throws IOException {
        WorkloadReport.render(results, output);

        assertEquals("""
                # Workload study: figures

                3 runs from `RESULTS`. Definitions, commands and the targets' rules: docs/WORKLOADS.md. \
                The load average at the start and end of each run is in its summary file.

                ## Targets

                | target | workload | figure | bound | met |
                |---|---|---|---|---|
                | RSS within 1.15x of live bytes (largest, steady half) | server, 1 thread | offpool-raw 1.13x \
                | at most 1.15x | yes |
                | RSS within 1.15x of live bytes (largest, steady half) | server, 1 thread | no run \
                | at most 1.15x | - |
                | glibc's RSS above 1.5x of live bytes (mean, steady half) | server, 1 thread | glibc 1.60x \
                | above 1.50x | yes |
                | back within 10% of steady-state RSS after the drain | burst, 1 thread | offpool-raw 1.0 s \
                | within 5.0 s, for good | yes |
                | back within 10% of steady-state RSS after the drain | burst, 1 thread | no run \
                | within 5.0 s, for good | - |
                | p99.9 allocation latency at most jemalloc's | server, 1 thread | offpool-raw 30.0 µs \
                | jemalloc: no run | - |
                | p99.9 allocation latency at most jemalloc's | server, 1 thread | no run | jemalloc: no run | - |
                | p99.9 allocation latency at most jemalloc's | burst, 1 thread | offpool-raw 40.0 µs \
                | jemalloc: no run | - |
                | p99.9 allocation latency at most jemalloc's | burst, 1 thread | no run | jemalloc: no run | - |
                | agent at least 3x allocateDirect's allocations/s | server, 1 thread | no run \
                | direct-gc: no run | - |
                | agent at least 3x allocateDirect's allocations/s | server, 1 thread | no run \
                | direct-cleaner: no run | - |

                ## server

                ![throughput](throughput-server.svg)

                ### server, 1 thread

                | peer | allocations/s | requests/s | p50 µs | p99 µs | p99.9 µs | max µs \
                | off-heap RSS MiB (mean / peak) | RSS / live (mean / max) | GC pauses (n / ms / longest ms) \
                | System.gc |
                |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
                | offpool-raw | 4,000 | 1,000 | 0.20 | 5.00 | 30.0 | 1,000 | 11.1 / 11.3 | 1.11x / 1.13x \
                | 1 / 5 / 5 | 0 |
                | glibc | 4,000 | 1,000 | 0.25 | 9.00 | 60.0 | 3,000 | 16.0 / 16.0 | 1.60x / 1.60x | 0 / 0 / 0 | 0 |

                ![memory](memory-server-t1.svg)

                ![latency](latency-server-t1.svg)

                ## burst

                ![throughput](throughput-burst.svg)

                ### burst, 1 thread

                | peer | allocations/s | requests/s | p50 µs | p99 µs | p99.9 µs | max µs \
                | off-heap RSS MiB (mean / peak) | steady / burst peak / end MiB | back within 10% (s) \
                | GC pauses (n / ms / longest ms) | System.gc |
                |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
                | offpool-raw | 1,333 | 93 | 0.30 | 6.00 | 40.0 | 2,000 | 22.6 / 45.0 | 12.0 / 45.0 / 12.5 | 1.0 \
                | 2 / 10 / 6 | 0 |

                ![memory](memory-burst-t1.svg)

                ![latency](latency-burst-t1.svg)

                """.replace("RESULTS", results.getFileName().toString()),
                Files.readString(output.resolve(WorkloadReport.FIGURES_FILE)));
    }

    private static Document parse(Path file) throws ParserConfigurationException, IOException, SAXException {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        // The SVG names the W3C's DTD; it must not be fetched (no network here, and nothing to validate).
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return factory.newDocumentBuilder().parse(file.toFile());
    }

    private static String summary(String workload, String peer, long p50, long p99, long p999, long max,
                                  long gcCount, long gcMillis, long gcMaxMillis, long systemGcs) {
        return "key,value\nworkload," + workload + "\npeer," + peer + "\nthreads,1\nrss_baseline_bytes," + BASELINE
                + "\nlatency_p50_ns," + p50 + "\nlatency_p99_ns," + p99 + "\nlatency_p999_ns," + p999
                + "\nlatency_max_ns," + max + "\ngc_count," + gcCount + "\ngc_pause_ms," + gcMillis
                + "\ngc_max_pause_ms," + gcMaxMillis + "\nsystem_gcs," + systemGcs + "\n";
    }

    /** A row of the time series; {@code offHeap} is RSS above the baseline. */
    private static String sample(long millis, String phase, long requests, long allocations, long live,
                                 long offHeap) {
        return millis + "," + phase + "," + requests + "," + allocations + ",0,0,0," + live + "," + (BASELINE + offHeap)
                + ",,0,0,0,0,100,200,5000,30000,1000000";
    }

    private static void writeRun(String name, String summary, String... samples) throws IOException {
        Files.writeString(RunFiles.summary(results, name), summary);
        Files.writeString(RunFiles.samples(results, name),
                String.join(",", RunFiles.SAMPLE_COLUMNS) + "\n" + String.join("\n", samples) + "\n");
        Files.writeString(RunFiles.percentiles(results, name),
                "percentile,latency_ns\n0.000000,100\n50.000000,200\n90.000000,1000\n99.000000,5000\n"
                        + "99.900000,30000\n100.000000,1000000\n");
    }
}
