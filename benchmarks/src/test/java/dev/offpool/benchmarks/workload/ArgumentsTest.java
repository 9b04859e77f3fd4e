package dev.offpool.benchmarks.workload;

import dev.offpool.benchmarks.workload.Arguments.Option;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArgumentsTest {
    private static final List<Option> OPTIONS = List.of(new Option("live", "64m", "live set"),
            new Option("duration", "20s", "how long"), new Option("threads", "1", "threads"),
            new Option("keep", "0.01", "share kept"), new Option("peer", null, "allocator"));

    @Test
    void sizesDurationsNumbersAndDefaultsAreRead() {
        Arguments arguments = new Arguments("Test", OPTIONS, "--live", "2g", "--duration=1500ms", "--peer", "glibc");

        assertEquals(2L << 30, arguments.bytes("live"));
        assertEquals(Duration.ofMillis(1500), arguments.duration("duration"));
        assertEquals(1, arguments.integer("threads", 1));
        assertEquals(0.01, arguments.decimal("keep", 0, 1));
        assertEquals("glibc", arguments.text("peer"));
    }

    @Test
    void anUnknownOptionIsRefusedWithTheUsage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Arguments("Test", OPTIONS, "--livee", "1m"));

        assertTrue(e.getMessage().startsWith("Test: unknown option --livee\nusage: Test"), e.getMessage());
        assertTrue(e.getMessage().contains("--live VALUE"), e.getMessage());
    }

    @Test
    void malformedValuesAreRefusedNamingTheOptionAndTheForm() {
        Arguments arguments = new Arguments("Test", OPTIONS, "--live", "12q", "--duration", "5", "--threads", "0",
                "--keep", "2");

        assertEquals("Test: --live must be a size of at least 1 byte (4096, 64k, 256m, 1g), was '12q'",
                assertThrows(IllegalArgumentException.class, () -> arguments.bytes("live")).getMessage());
        assertEquals("Test: --duration must be a positive duration (500ms, 30s, 2m), was '5'",
                assertThrows(IllegalArgumentException.class, () -> arguments.duration("duration")).getMessage());
        assertEquals("Test: --threads must be a whole number of at least 1, was '0'",
                assertThrows(IllegalArgumentException.class, () -> arguments.integer("threads", 1)).getMessage());
        assertEquals("Test: --keep must be a number from 0.0 to 1.0, was '2'",
                assertThrows(IllegalArgumentException.class, () -> arguments.decimal("keep", 0, 1)).getMessage());
    }

    @Test
    void aRequiredOptionLeftOutIsNamed() {
        Arguments arguments = new Arguments("Test", OPTIONS);

        assertTrue(assertThrows(IllegalArgumentException.class, () -> arguments.text("peer")).getMessage()
                .startsWith("Test: option --peer is required"));
    }

    @Test
    void anOptionWithoutAValueIsRefused() {
        assertEquals("Test: option --peer has no value",
                assertThrows(IllegalArgumentException.class, () -> new Arguments("Test", OPTIONS, "--peer"))
                        .getMessage());
    }
}
