package dev.offpool.benchmarks.workload.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The servers' report on a runs.csv written here by hand, whose medians and ratios are worked out in the comments.
 */
class ServerReportTest {
    private static final String HEADER = "run,configuration,endpoint,agent,round,requests,seconds,requests_per_second,"
            + "p50_us,p99_us,p999_us,socket_errors,timeouts,peak_rss_kib,final_rss_kib,gc_pauses,gc_pause_ms,"
            + "system_gcs,redirected,kept_on_jdk,refused_at_limit,fell_back,outside_size_range,freed_by_gc,freed_explicitly";

    @TempDir
    Path results;

    @Test
    void figuresAreMediansOverRoundsAndRatiosAreAgentOverJdk() throws Exception {
        Files.writeString(results.resolve(ServerReport.RUNS_FILE), String.join("\n", HEADER,
                // JDK: req/s 1000, 3000, 2000 (median 2000); p99 10, 30, 20 ms (20); peak RSS 100, 300, 200 MiB (200).
                "a-r1,jetty-non-pooling,16k,jdk,1,1,1,1000,500,10000,40000,0,0,102400,102400,5,50.5,0,,,,,,,",
                "a-r2,jetty-non-pooling,16k,jdk,2,1,1,3000,500,30000,40000,0,0,307200,102400,5,50.5,0,,,,,,,",
                "a-r3,jetty-non-pooling,16k,jdk,3,1,1,2000,500,20000,40000,0,0,204800,102400,5,50.5,0,,,,,,,",
                // Agent: req/s 3000 and 5000 (the median of two is their mean, 4000: 2.00x); p99 5 and 15 ms (10:
                // 0.50x); peak RSS 300 MiB (1.50x); redirected 10 and 30 (20), kept on the JDK's path and fell back 1 and 3 (2).
                "b-r1,jetty-non-pooling,16k,agent,1,1,1,3000,400,5000,9000,0,0,307200,102400,2,10,1,10,1,0,1,0,5,0",
                "b-r2,jetty-non-pooling,16k,agent,2,1,1,5000,400,15000,9000,0,0,307200,102400,2,10,1,30,3,0,3,0,5,0",
                // Without a run of the other side: figures, no ratio.
                "c-r1,netty-default,small,jdk,1,1,1,7000,100,1000,2000,0,0,102400,102400,0,0,0,,,,,,,") + "\n");

        List<Path> written = ServerReport.render(results, results);

        String figures = Files.readString(written.getLast());
        assertTrue(figures.contains("| jetty-non-pooling | 16k | 3 / 2 | 2,000 | 4,000 | 2.00x | 20.00 | 10.00 | "
                + "0.50x | 200 | 300 | 1.50x | 20 | 2 | 2 |"), figures);
        assertTrue(figures.contains("| netty-default | small | 1 / 0 | 7,000 |  |  | 1.00 |  |  | 100 |  |  |  |  |  |"),
                figures);
        assertTrue(figures.contains("| jetty-non-pooling | 16k | agent | 0.40 | 10.00 | 9.00 | 100 | 2 | 10.0 | 1 |"),
                figures);
        assertTrue(figures.contains(ServerReport.NETTY_NOTE), "a Netty configuration ran: " + figures);
        assertEquals(List.of("servers-ratios.svg", "servers-throughput.svg", "servers-peak-rss.svg", "figures.md"),
                written.stream().map(file -> file.getFileName().toString()).toList());
        for (Path svg : written.subList(0, 3)) {
            // Well-formed, and names the configurations. The SVG names the W3C's DTD, which must not be fetched.
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            factory.newDocumentBuilder().parse(svg.toFile());
            assertTrue(Files.readString(svg).contains("jetty-non-pooling 16k"), svg.toString());
        }
    }

    @Test
    void aRowWhoseSideIsNeitherAgentNorJdkIsRejectedWithItsFile() throws IOException {
        Files.writeString(results.resolve(ServerReport.RUNS_FILE), HEADER + "\n"
                + "a,jetty-array,small,maybe,1,1,1,1,1,1,1,0,0,1,1,0,0,0,,,,,,\n");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerReport.render(results, results));
        assertTrue(e.getMessage().contains("runs.csv: column agent must be agent or jdk"), e.getMessage());
    }
}
