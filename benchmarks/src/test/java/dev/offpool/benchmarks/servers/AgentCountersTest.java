package dev.offpool.benchmarks.servers;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentCountersTest {
    private static final String REPORT = """
            === offpool agent report (at exit) ===
            # direct buffers redirected              =          1,035,800
            # kept on the JDK's path (site mode)     =                 10
            # refused at the JDK's limit (OOME)      =                  1
            # fell back to the JDK                   =                 12
            #   allocator full                       =                 12
            # outside minBytes..maxBytes (JDK's)     =                  3
            # freed by the GC                        =            411,205
            # freed explicitly                       =                  7
            # live redirected buffers                =            624,595
            """;

    @Test
    void theLastReportInTheFileIsRead() {
        String earlier = REPORT.replace("at exit", "periodic").replace("1,035,800", "5");

        AgentCounters counters = AgentCounters.parse(earlier + "\n" + REPORT);

        assertEquals(new AgentCounters(1_035_800, 10, 1, 12, 3, 411_205, 7), counters);
        assertEquals("1035800,10,1,12,3,411205,7", counters.csv());
        assertEquals(AgentCounters.COLUMNS.size(), counters.csv().split(",").length);
    }

    @Test
    void aReportWithoutOneOfTheCountersIsRejectedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentCounters.parse(REPORT.replace("# freed explicitly", "# freed on request")));

        assertTrue(e.getMessage().contains("no line '# freed explicitly = N'"), e.getMessage());
    }

    @Test
    void textWithoutAReportIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> AgentCounters.parse("the JVM's output, no report\n"));
    }
}
