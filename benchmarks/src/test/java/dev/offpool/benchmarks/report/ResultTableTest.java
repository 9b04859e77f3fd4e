package dev.offpool.benchmarks.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultTableTest {
    private static final String PREFIX = "dev.offpool.benchmarks.X.";

    private static String entry(String method, String mode, int threads, String size, double median,
                                String secondary) {
        return """
                {"jmhVersion":"1.37","benchmark":"%s%s","mode":"%s","threads":%d,"forks":1,"jdkVersion":"25",
                 "vmName":"VM","vmVersion":"1","warmupIterations":1,"warmupTime":"1 s",
                 "measurementIterations":1,"measurementTime":"1 s","params":{"size":"%s"},
                 "primaryMetric":{"score":%s,"scoreError":"NaN","scorePercentiles":{"0.0":1,"50.0":%s,"100.0":9},
                 "scoreUnit":"%s","rawData":[[1.0]]},"secondaryMetrics":{%s}}
                """.formatted(PREFIX, method, mode, threads, size, median, median,
                mode.equals("avgt") ? "ns/op" : "ops/us", secondary);
    }

    private static String render(String... entries) {
        List<ResultTable.Result> results = ResultTable.read(Json.parse("[" + String.join(",", entries) + "]"));
        return ResultTable.render(results, (type, row) -> row.equals("arena") ? Optional.of("offpoolArena")
                : Optional.empty());
    }

    @Test
    void ratioIsOffpoolOverPeerAndMissingSizesStayEmpty() {
        String out = render(entry("offpoolRaw", "avgt", 1, "64", 10, ""),
                entry("glibc", "avgt", 1, "64", 20, ""),
                entry("glibc", "avgt", 1, "4096", 40, ""));

        assertTrue(out.contains("| offpoolRaw | 10.0 | - |"), out);
        assertTrue(out.contains("| glibc | offpoolRaw | 0.50 | - |"), out);
    }

    @Test
    void peerIsComparedWithTheOffpoolRowItsVersusNames() {
        String out = render(entry("offpoolRaw", "avgt", 1, "64", 10, ""),
                entry("offpoolArena", "avgt", 1, "64", 30, ""),
                entry("arena", "avgt", 1, "64", 60, ""));

        assertTrue(out.contains("| arena | offpoolArena | 0.50 |"), out);
    }

    @Test
    void threadSuffixesShareARowAndGetAScalingColumn() {
        String out = render(entry("offpoolRaw_1thread", "thrpt", 1, "64", 100, ""),
                entry("offpoolRaw_2threads", "thrpt", 2, "64", 190, ""));

        assertTrue(out.contains("| benchmark | size=64 threads=1 | size=64 threads=2 | size=64 threads=2 / threads=1 |"),
                out);
        assertTrue(out.contains("| offpoolRaw | 100 | 190 | 1.90x |"), out);
    }

    @Test
    void groupIsScoredByItsSlowestMethodIgnoringProfilers() {
        String secondary = """
                "produce":{"score":60,"scorePercentiles":{"50.0":60}},
                "consume":{"score":50,"scorePercentiles":{"50.0":50}},
                "\u00b7gc.alloc.rate":{"score":1,"scorePercentiles":{"50.0":1}}""";
        String out = render(entry("offpoolRaw", "thrpt", 2, "64", 110, secondary));

        assertTrue(out.contains("| offpoolRaw | 50.0 |"), out);
        assertFalse(out.contains("| offpoolRaw | 1.00 |"), out);
    }

    @Test
    void tinyRatiosKeepTwoSignificantDigits() {
        String out = render(entry("offpoolRaw", "thrpt", 1, "65536", 0.052, ""),
                entry("glibc", "thrpt", 1, "65536", 16.2, ""));

        assertTrue(out.contains("| glibc | offpoolRaw | 0.0032 |"), out);
    }

    @Test
    void malformedJsonNamesTheOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("[1, }"));
        assertTrue(e.getMessage().contains("offset 4"), e.getMessage());
    }
}
