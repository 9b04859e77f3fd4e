package dev.offpool.benchmarks.report;

import dev.offpool.benchmarks.AllocFreeBenchmark;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultTableTest {
    private static final String PREFIX = "dev.offpool.benchmarks.X.";
    private static final String ZEROED = "zeroed block";
    private static final String PLAIN = "block, not zeroed";

    private static String entry(String method, String mode, int threads, String size, double median,
                                String secondary) {
        return entry(method, mode, threads, size, median, secondary, 1);
    }

    private static String entry(String method, String mode, int threads, String size, double median,
                                String secondary, int forks) {
        return """
                {"jmhVersion":"1.37","benchmark":"%s%s","mode":"%s","threads":%d,"forks":%d,"jdkVersion":"25",
                 "vmName":"VM","vmVersion":"1","warmupIterations":1,"warmupTime":"1 s",
                 "measurementIterations":1,"measurementTime":"1 s","params":{"size":"%s"},
                 "primaryMetric":{"score":%s,"scoreError":"NaN","scorePercentiles":{"0.0":1,"50.0":%s,"100.0":9},
                 "scoreUnit":"%s","rawData":[[1.0]]},"secondaryMetrics":{%s}}
                """.formatted(PREFIX, method, mode, threads, forks, size, median, median,
                mode.equals("avgt") ? "ns/op" : "ops/us", secondary);
    }

    private static String time(String method, String size, double median) {
        return entry(method, "avgt", 1, size, median, "");
    }

    private static String render(Map<String, ResultTable.Role> roles, String... entries) {
        List<ResultTable.Result> results = ResultTable.read(Json.parse("[" + String.join(",", entries) + "]"));
        return ResultTable.render(results, (type, row) -> roles.getOrDefault(row, ResultTable.Role.NONE));
    }

    private static String render(String... entries) {
        return render(Map.of(), entries);
    }

    private static ResultTable.Role work(String work, String... beside) {
        return new ResultTable.Role(null, work, List.of(beside));
    }

    @Test
    void ratioIsOffpoolOverPeerAtTheSizesOffpoolRan() {
        String out = render(time("offpoolRaw", "64", 10), time("glibc", "64", 20), time("glibc", "4096", 40),
                time("mimalloc", "4096", 30));

        assertTrue(out.contains("| offpoolRaw | 10.0 | - |"), out);
        assertTrue(out.contains("| peer | offpool side | size=64 |\n| --- | --- | ---: |\n"
                + "| glibc | offpoolRaw | 0.50 |\n"), out);
        assertFalse(out.contains("| mimalloc | offpoolRaw |"), out);
    }

    @Test
    void peerIsComparedWithTheOffpoolRowItsVersusNames() {
        String out = render(Map.of("arena", new ResultTable.Role("offpoolArena", null, List.of())),
                time("offpoolRaw", "64", 10), time("offpoolArena", "64", 30), time("arena", "64", 60));

        assertTrue(out.contains("| arena | offpoolArena | 0.50 |"), out);
    }

    @Test
    void peerWithoutVersusIsComparedWithTheOffpoolRowDoingTheSameWork() {
        String out = render(Map.of("offpoolArena4", work("arena of 4"), "arena4", work("arena of 4")),
                time("offpoolRaw", "64", 10), time("offpoolArena4", "64", 30), time("arena4", "64", 120));

        assertTrue(out.contains("| arena4 | offpoolArena4 | 0.25 |"), out);
    }

    @Test
    void strongestPeerIsTheFastestDoingTheSameWorkAtEachSizeWithTheFastestOtherWorkBeside() {
        Map<String, ResultTable.Role> roles = Map.of(
                "offpoolRaw", work(ZEROED, PLAIN), "offpoolSegment", work(ZEROED, PLAIN),
                "glibcCalloc", work(ZEROED), "mimallocZalloc", work(ZEROED),
                "glibcMalloc", work(PLAIN), "mimallocMalloc", work(PLAIN), "nettyAdaptive", work("ByteBuf"));
        String out = render(roles,
                time("offpoolRaw", "64", 10), time("offpoolRaw", "4096", 100),
                time("offpoolSegment", "64", 12), time("offpoolSegment", "4096", 110),
                time("glibcCalloc", "64", 20), time("glibcCalloc", "4096", 400),
                time("mimallocZalloc", "64", 25), time("mimallocZalloc", "4096", 50),
                time("glibcMalloc", "64", 8), time("glibcMalloc", "4096", 30),
                time("mimallocMalloc", "64", 9), time("mimallocMalloc", "4096", 20),
                time("nettyAdaptive", "64", 1), time("nettyAdaptive", "4096", 1));

        assertTrue(out.contains("| parameters | offpoolRaw | offpoolSegment | strongest: zeroed block | ns/op"
                + " | offpoolRaw / it | offpoolSegment / it | strongest: block, not zeroed | ns/op | offpoolRaw / it"
                + " | offpoolSegment / it |\n| --- | ---: | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |"),
                out);
        assertTrue(out.contains("| size=64 | 10.0 | 12.0 | glibcCalloc | 20.0 | 0.50 | 0.60 | glibcMalloc | 8.00"
                + " | 1.25 | 1.50 |"), out);
        assertTrue(out.contains("| size=4096 | 100 | 110 | mimallocZalloc | 50.0 | 2.00 | 2.20 | mimallocMalloc"
                + " | 20.0 | 5.00 | 5.50 |"), out);
        assertFalse(out.contains("strongest: ByteBuf"), "no offpool row does or names that work: " + out);
    }

    @Test
    void rowsWithoutTheComparedParametersAreLeftOutOfTheComparisons() {
        String out = render(Map.of("offpoolRaw", work(ZEROED), "calloc", work(ZEROED)),
                time("offpoolRaw", "64", 10), time("calloc", "64", 20),
                "{\"benchmark\":\"" + PREFIX + "emptyArena\",\"mode\":\"avgt\",\"threads\":1,\"forks\":1,"
                        + "\"primaryMetric\":{\"score\":3,\"scoreUnit\":\"ns/op\"}}");

        assertTrue(out.contains("| emptyArena |  | - | 3.00 |"), "medians keep it: " + out);
        assertTrue(out.contains("| size=64 | 10.0 | calloc | 20.0 | 0.50 |\n\n"), "no score row: " + out);
        assertFalse(out.contains("| emptyArena | offpoolRaw |"), "no ratio without a shared column: " + out);
    }

    @Test
    void strongestPeerInThroughputIsTheHighest() {
        Map<String, ResultTable.Role> roles = Map.of("offpoolRaw", work(ZEROED), "a", work(ZEROED),
                "b", work(ZEROED));
        String out = render(roles, entry("offpoolRaw", "thrpt", 1, "64", 50, ""),
                entry("a", "thrpt", 1, "64", 40, ""), entry("b", "thrpt", 1, "64", 100, ""));

        assertTrue(out.contains("| size=64 | 50.0 | b | 100 | 0.50 |"), out);
    }

    @Test
    void mediansNameEachRowsWork() {
        String out = render(Map.of("offpoolRaw", work(ZEROED), "glibcMalloc", work(PLAIN)),
                time("offpoolRaw", "64", 10), time("glibcMalloc", "64", 8), time("other", "64", 9));

        assertTrue(out.contains("| benchmark | work | size=64 |"), out);
        assertTrue(out.contains("| glibcMalloc | block, not zeroed | 8.00 |"), out);
        assertTrue(out.contains("| other |  | 9.00 |"), out);
    }

    @Test
    void threadSuffixesShareARowAndScalingHasATableOfItsOwn() {
        String out = render(entry("offpoolRaw_1thread", "thrpt", 1, "64", 100, ""),
                entry("offpoolRaw_2threads", "thrpt", 2, "64", 190, ""),
                entry("offpoolRaw_1thread", "thrpt", 1, "4096", 10, ""),
                entry("offpoolRaw_2threads", "thrpt", 2, "4096", 5, ""));

        assertTrue(out.contains("| benchmark | size=64 threads=1 | size=64 threads=2 | size=4096 threads=1 |"
                + " size=4096 threads=2 |"), out);
        assertTrue(out.contains("| offpoolRaw | 100 | 190 | 10.0 | 5.00 |"), out);
        assertTrue(out.contains("Scaling: threads=2 / threads=1 (throughput; 2.00x is perfect)."), out);
        assertTrue(out.contains("| benchmark | size=64 | size=4096 |\n| --- | ---: | ---: |\n"
                + "| offpoolRaw | 1.90x | 0.50x |"), out);
    }

    @Test
    void settingsThatDifferAreEachNamedWithTheirRows() {
        String out = render(entry("offpoolRaw", "avgt", 1, "64", 10, "", 2),
                entry("glibc", "avgt", 1, "64", 20, "", 2),
                entry("jemalloc", "avgt", 1, "64", 20, "", 1));

        assertTrue(out.contains("2 fork(s); warmup 1 x 1 s; measurement 1 x 1 s for offpoolRaw, glibc; and"
                + " 1 fork(s); warmup 1 x 1 s; measurement 1 x 1 s for jemalloc."), out);
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
    void rolesAreReadFromTheBenchmarkMethodsAnnotations() {
        assertEquals(new ResultTable.Role(null, AllocFreeBenchmark.ZEROED_BLOCK, List.of(AllocFreeBenchmark.BLOCK)),
                ResultTable.annotatedRole(AllocFreeBenchmark.class.getName(), "offpoolRaw"));
        assertEquals(new ResultTable.Role("offpoolSegment", AllocFreeBenchmark.ZEROED_BLOCK, List.of()),
                ResultTable.annotatedRole(AllocFreeBenchmark.class.getName(), "arenaConfined"));
        assertEquals(ResultTable.Role.NONE,
                ResultTable.annotatedRole(AllocFreeBenchmark.class.getName(), "arenaConfinedEmpty"));
        assertEquals(ResultTable.Role.NONE, ResultTable.annotatedRole("no.such.Benchmark", "offpoolRaw"));
    }

    @Test
    void malformedJsonNamesTheOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("[1, }"));
        assertTrue(e.getMessage().contains("offset 4"), e.getMessage());
    }
}
