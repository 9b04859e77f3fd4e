package dev.offpool;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A pooled arena is a drop-in for the JDK's only if it gives the same answers: every check here runs against
 * {@code Arena.ofConfined()} and a pooled confined arena, and against {@code Arena.ofShared()} and a pooled shared one,
 * and the outcomes (values, or the class of what was thrown) must be identical.
 */
class PooledArenaConformanceTest {
    private static final OffPool POOL = OffPool.builder().build();
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle STRLEN = LINKER.downcallHandle(LINKER.defaultLookup().find("strlen")
            .orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final MethodHandle MEMSET = LINKER.downcallHandle(LINKER.defaultLookup().find("memset")
            .orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG));

    @AfterAll
    static void close() {
        POOL.verify();
        POOL.close();
    }

    /** One check: given a fresh arena, an outcome to compare. The arena may be closed by the check. */
    private static final Map<String, Function<Arena, Object>> CHECKS = new LinkedHashMap<>();

    private static void check(String name, Function<Arena, Object> check) {
        CHECKS.put(name, check);
    }

    static {
        check("allocate(0) twice: empty, non-NULL, distinct", a -> {
            MemorySegment x = a.allocate(0);
            MemorySegment y = a.allocate(0);
            return List.of(x.byteSize(), x.address() != 0, y.address() != 0, x.address() != y.address());
        });
        check("allocate(0, 4096): aligned, non-NULL", a -> {
            MemorySegment x = a.allocate(0, 4096);
            return List.of(x.byteSize(), x.address() != 0, x.address() % 4096);
        });
        check("allocate(3) then allocate(8): the long is aligned", a -> {
            a.allocate(3);
            MemorySegment s = a.allocate(8);
            s.set(ValueLayout.JAVA_LONG, 0, 7L);
            return List.of(s.address() % 8, s.get(ValueLayout.JAVA_LONG, 0));
        });
        check("every allocation is 16-aligned, as malloc's are", a -> {
            SplittableRandom random = new SplittableRandom(3);
            boolean aligned = true;
            for (int i = 0; i < 200; i++) {
                aligned &= a.allocate(random.nextInt(1, 300)).address() % 16 == 0;
            }
            return aligned;
        });
        check("alignments up to 64 KiB are honoured", a -> {
            List<Long> remainders = new ArrayList<>();
            for (long align = 1; align <= 65536; align *= 4) {
                remainders.add(a.allocate(24, align).address() % align);
            }
            return remainders;
        });
        check("negative size", a -> a.allocate(-1));
        check("alignment 0", a -> a.allocate(8, 0));
        check("alignment 3", a -> a.allocate(8, 3));
        check("negative alignment", a -> a.allocate(8, Long.MIN_VALUE));
        check("alignment 2^40", a -> a.allocate(8, 1L << 40));
        check("alignment 2^62", a -> a.allocate(8, 1L << 62));
        check("size Long.MAX_VALUE", a -> a.allocate(Long.MAX_VALUE));
        check("size 2^50", a -> a.allocate(1L << 50));
        check("allocate(JAVA_INT, 0)", a -> a.allocate(ValueLayout.JAVA_INT, 0).byteSize());
        check("allocateFrom(JAVA_INT, new int[0])", a -> a.allocateFrom(ValueLayout.JAVA_INT).byteSize());
        check("allocateFrom(\"hello\")", a -> {
            MemorySegment s = a.allocateFrom("hello");
            return List.of(s.byteSize(), s.getString(0));
        });
        check("allocateFrom(JAVA_LONG, 1, 2, 3)", a -> {
            MemorySegment s = a.allocateFrom(ValueLayout.JAVA_LONG, 1, 2, 3);
            return List.of(s.byteSize(), s.getAtIndex(ValueLayout.JAVA_LONG, 2));
        });
        check("memory is zeroed at 100 B, 10 KB, 200 KB and 3 MB", a -> {
            List<Long> firstNonZero = new ArrayList<>();
            for (long size : new long[] {100, 10_000, 200_000, 3 << 20}) {
                MemorySegment s = a.allocate(size);
                firstNonZero.add(s.mismatch(MemorySegment.ofArray(new byte[(int) size])));
                s.fill((byte) 1);
            }
            return firstNonZero;
        });
        check("a segment is bounds-checked", a -> a.allocate(10).get(ValueLayout.JAVA_BYTE, 10));
        check("segments share the arena's scope, alive", a -> {
            MemorySegment s = a.allocate(10);
            return List.of(s.scope().equals(a.scope()), s.scope().isAlive(), s.isNative());
        });
        check("a downcall reads a segment (strlen)", a -> invoke(() -> (long) STRLEN.invokeExact(
                a.allocateFrom("hello"))));
        check("a downcall writes a segment (memset)", a -> {
            MemorySegment s = a.allocate(64);
            invoke(() -> (MemorySegment) MEMSET.invokeExact(s, 0x5A, 64L));
            return s.get(ValueLayout.JAVA_BYTE, 63);
        });
        check("allocate on another thread", a -> onOtherThread(() -> a.allocate(8).byteSize()));
        check("access on another thread", a -> {
            MemorySegment s = a.allocate(8);
            return onOtherThread(() -> s.get(ValueLayout.JAVA_LONG, 0));
        });
        check("close on another thread", a -> onOtherThread(() -> {
            a.close();
            return "closed";
        }));
        check("close twice", a -> {
            a.close();
            a.close();
            return "closed twice";
        });
        check("allocate after close", a -> {
            a.close();
            return a.allocate(8);
        });
        check("access after close", a -> {
            MemorySegment s = a.allocate(8);
            a.close();
            return s.get(ValueLayout.JAVA_BYTE, 0);
        });
        check("scope after close", a -> {
            MemorySegment s = a.allocate(8);
            a.close();
            return List.of(s.scope().isAlive(), a.scope().isAlive());
        });
        check("a downcall after close", a -> {
            MemorySegment s = a.allocateFrom("x");
            a.close();
            return invoke(() -> (long) STRLEN.invokeExact(s));
        });
    }

    private interface Call {
        Object call() throws Throwable;
    }

    private static Object invoke(Call call) {
        try {
            return call.call();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object onOtherThread(Supplier<Object> call) {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> outcome.set(outcomeOf(call)));
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return outcome.get();
    }

    private static Object outcomeOf(Supplier<Object> call) {
        try {
            Object value = call.get();
            return value instanceof MemorySegment s ? "segment of " + s.byteSize() : value;
        } catch (Throwable e) {
            return "threw " + e.getClass().getName();
        }
    }

    private static Object run(Supplier<Arena> open, Function<Arena, Object> check) {
        Arena arena = open.get();
        try {
            return outcomeOf(() -> check.apply(arena));
        } finally {
            if (arena.scope().isAlive()) {
                outcomeOf(() -> {
                    arena.close();
                    return null;
                });
            }
        }
    }

    @TestFactory
    List<DynamicTest> aPooledConfinedArenaAnswersAsArenaOfConfinedDoes() {
        return compare(Arena::ofConfined, POOL::newConfinedArena);
    }

    @TestFactory
    List<DynamicTest> aPooledSharedArenaAnswersAsArenaOfSharedDoes() {
        return compare(Arena::ofShared, POOL::newSharedArena);
    }

    private static List<DynamicTest> compare(Supplier<Arena> jdk, Supplier<Arena> pooled) {
        List<DynamicTest> tests = new ArrayList<>();
        CHECKS.forEach((name, check) -> tests.add(DynamicTest.dynamicTest(name,
                () -> assertEquals(run(jdk, check), run(pooled, check), name))));
        return tests;
    }
}
