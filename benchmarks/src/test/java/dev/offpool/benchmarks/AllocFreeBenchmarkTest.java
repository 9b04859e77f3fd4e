package dev.offpool.benchmarks;

import dev.offpool.benchmarks.report.Versus;
import dev.offpool.benchmarks.report.Work;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The main table's wiring: every row says what work it does, so the report compares like with like. */
class AllocFreeBenchmarkTest {
    private static final List<Method> BENCHMARKS = Arrays.stream(AllocFreeBenchmark.class.getMethods())
            .filter(m -> m.isAnnotationPresent(Benchmark.class)).toList();

    @Test
    void everyRowButTheEmptyArenaFloorDeclaresItsWork() {
        List<String> undeclared = BENCHMARKS.stream().filter(m -> !m.isAnnotationPresent(Work.class))
                .map(Method::getName).toList();

        assertEquals(List.of("arenaConfinedEmpty"), undeclared);
    }

    @Test
    void everyWorkOffpoolDoesOrShowsBesideIsDoneByAPeer() {
        Set<String> peerWork = BENCHMARKS.stream().filter(m -> !m.getName().startsWith("offpool"))
                .filter(m -> m.isAnnotationPresent(Work.class)).map(m -> m.getAnnotation(Work.class).value())
                .collect(Collectors.toSet());

        for (Method offpool : BENCHMARKS.stream().filter(m -> m.getName().startsWith("offpool")).toList()) {
            Work work = offpool.getAnnotation(Work.class);
            assertTrue(peerWork.contains(work.value()), offpool.getName() + ": no peer does " + work.value());
            for (String beside : work.beside()) {
                assertTrue(peerWork.contains(beside), offpool.getName() + ": no peer does " + beside);
            }
        }
    }

    @Test
    void everyVersusNamesAnOffpoolRowDoingTheSameWork() {
        for (Method peer : BENCHMARKS.stream().filter(m -> m.isAnnotationPresent(Versus.class)).toList()) {
            String reference = peer.getAnnotation(Versus.class).value();
            Method offpool = BENCHMARKS.stream().filter(m -> m.getName().equals(reference)).findFirst()
                    .orElseThrow(() -> new AssertionError(peer.getName() + " names missing row " + reference));
            assertEquals(offpool.getAnnotation(Work.class).value(), peer.getAnnotation(Work.class).value(),
                    peer.getName());
        }
    }

    @Test
    void zeroClearsExactlyTheBlockTheMallocPeersFill() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(130);
            block.fill((byte) 0x5A);

            RawMemory.zero(block.address() + 1, 128);

            assertEquals(0x5A, block.get(ValueLayout.JAVA_BYTE, 0));
            for (int i = 1; i <= 128; i++) {
                assertEquals(0, block.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
            }
            assertEquals(0x5A, block.get(ValueLayout.JAVA_BYTE, 129));
        }
    }
}
