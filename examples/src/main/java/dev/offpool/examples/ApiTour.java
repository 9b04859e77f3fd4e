package dev.offpool.examples;

import dev.offpool.InvalidFreeException;
import dev.offpool.OffPool;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The README's tour of the direct API, region by region: segments, the raw path, a pooled {@code Arena} handed to a
 * native function, and the stats table. {@code ReadmeExamplesTest} checks that every Java block of the README is a
 * region of an example and runs the examples. Run it with
 * {@code mvn -q -Pdemo-api -pl examples -am verify -DskipTests -Ddemo.main=dev.offpool.examples.ApiTour}.
 */
public final class ApiTour {
    private ApiTour() {
    }

    /**
     * Runs each part of the tour.
     *
     * @param args unused
     * @throws Throwable if the native call fails
     */
    public static void main(String[] args) throws Throwable {
        segments();
        rawPath();
        pooledArena();
        stats();
    }

    static void segments() {
        // @start region="segments"
        OffPool pool = OffPool.global();              // or OffPool.builder()...build() for an allocator of your own

        MemorySegment buf = pool.allocate(64);        // zeroed, exactly 64 bytes: an access past them throws
        buf.set(ValueLayout.JAVA_INT, 0, 42);
        MemorySegment bigger = pool.reallocate(buf, 4096); // keeps the 42; in place when the size class allows
        pool.free(bigger);
        try {
            pool.free(bigger);                        // a double free is caught, and changes nothing
        } catch (InvalidFreeException e) {
            System.out.println(e.getMessage());
        }
        // @end
    }

    static void rawPath() {
        // @start region="raw"
        OffPool pool = OffPool.global();
        long address = pool.allocateAddress(40);      // no garbage: an address in, an address out
        MemorySegment.ofAddress(address).reinterpret(40).set(ValueLayout.JAVA_LONG, 0, 7L);
        pool.freeAddress(address);
        // @end
    }

    static void pooledArena() throws Throwable {
        // @start region="arena"
        Linker linker = Linker.nativeLinker();
        MethodHandle strlen = linker.downcallHandle(linker.defaultLookup().find("strlen").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));

        try (Arena arena = OffPool.global().newConfinedArena()) {  // in place of Arena.ofConfined()
            MemorySegment text = arena.allocateFrom("hello, offpool");
            long length = (long) strlen.invokeExact(text);          // 14
            System.out.println("strlen: " + length);
        }                                            // the segments die here, their blocks go back to the pools
        // @end
    }

    static void stats() {
        // @start region="stats"
        System.out.println(OffPool.global().stats().toTable());
        // @end
    }
}
