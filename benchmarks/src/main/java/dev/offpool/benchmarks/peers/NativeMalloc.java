package dev.offpool.benchmarks.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A C allocator reached through FFM downcalls: {@code malloc(size)} and {@code free(pointer)}, pointers as
 * {@code long}s so the hot path makes no garbage.
 *
 * {@snippet :
 * NativeMalloc glibc = NativeMalloc.glibc();
 * long p = glibc.malloc(64);
 * glibc.free(p);
 * }
 *
 * <p>The handles are ordinary downcalls (no {@code Linker.Option.critical}), i.e. what a Java program pays to call
 * the allocator, thread-state transition included. They are record components, which HotSpot trusts as constants:
 * held in a {@code static final} field, a whole call inlines down to the native stub.
 *
 * <p>Each library is looked up in {@link Arena#global()} so it is never unloaded: mimalloc registers thread-exit
 * hooks, and unloading it under a running JVM crashes the JVM when the next thread exits.
 *
 * @param name   the allocator's name, for messages
 * @param malloc {@code (long size) -> long pointer}
 * @param free   {@code (long pointer) -> void}
 */
public record NativeMalloc(String name, MethodHandle malloc, MethodHandle free) {
    private static final String MIMALLOC_SONAME = "libmimalloc.so.2";
    private static final String JEMALLOC_SONAME = "libjemalloc.so.2";

    /** {@return glibc's malloc/free, from the linker's default lookup} */
    public static NativeMalloc glibc() {
        return Glibc.INSTANCE;
    }

    /**
     * {@return mimalloc's {@code mi_malloc}/{@code mi_free}, from {@code libmimalloc.so.2} loaded on first use}
     *
     * @throws IllegalStateException naming the missing package, when the library is not installed
     */
    public static NativeMalloc mimalloc() {
        return loaded(Mimalloc.INSTANCE, Mimalloc.PROBLEM);
    }

    /**
     * {@return jemalloc's malloc/free, when {@code libjemalloc.so.2} was preloaded into this process}
     *
     * <p>jemalloc uses initial-exec thread-local storage, so a running JVM cannot {@code dlopen} it ("cannot allocate
     * memory in static TLS block"); it must come in through {@code LD_PRELOAD}. Even then the linker's default lookup
     * still resolves {@code malloc} to glibc's (it searches libc, not the preloaded objects), so the symbols are taken
     * from jemalloc's own handle, and its {@code mallctl} must be there too.
     *
     * @throws IllegalStateException saying how to preload it, when it was not preloaded
     */
    public static NativeMalloc jemallocPreloaded() {
        return loaded(Jemalloc.INSTANCE, Jemalloc.PROBLEM);
    }

    /** Both arguments are constants to the JIT, so on the hot path this check folds away. */
    private static NativeMalloc loaded(NativeMalloc instance, RuntimeException problem) {
        if (instance == null) {
            throw new IllegalStateException(problem.getMessage(), problem);
        }
        return instance;
    }

    /**
     * {@return the address of {@code byteSize} fresh, uninitialised bytes}
     *
     * @throws OutOfMemoryError if the allocator returns NULL
     */
    public long malloc(long byteSize) {
        long address;
        try {
            address = (long) malloc.invokeExact(byteSize);
        } catch (Throwable t) {
            throw new AssertionError(name + " malloc failed", t);
        }
        if (address == 0) {
            throw new OutOfMemoryError(name + " malloc(" + byteSize + ") returned NULL");
        }
        return address;
    }

    /** Frees {@code address}, which {@link #malloc} returned. */
    public void free(long address) {
        try {
            free.invokeExact(address);
        } catch (Throwable t) {
            throw new AssertionError(name + " free failed", t);
        }
    }

    private static NativeMalloc bind(String name, SymbolLookup lookup, String mallocSymbol, String freeSymbol) {
        Linker linker = Linker.nativeLinker();
        // size_t and void* are both 64-bit integers in the x86-64 and AArch64 C ABIs.
        MethodHandle malloc = linker.downcallHandle(symbol(lookup, mallocSymbol, name),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        MethodHandle free = linker.downcallHandle(symbol(lookup, freeSymbol, name),
                FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG));
        return new NativeMalloc(name, malloc, free);
    }

    private static MemorySegment symbol(SymbolLookup lookup, String symbol, String name) {
        return lookup.find(symbol).orElseThrow(() -> new IllegalStateException(name + ": symbol " + symbol
                + " not found"));
    }

    private static SymbolLookup library(String soname, String debianPackage) {
        try {
            return SymbolLookup.libraryLookup(soname, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(soname + " cannot be loaded: install it (apt-get install -y "
                    + debianPackage + ") or run benchmarks/run.sh, which does", e);
        }
    }

    /** {@return whether a file named {@code soname} is mapped into this process} */
    private static boolean isMapped(String soname) {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(line -> line.endsWith("/"
                    + soname));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/maps to see whether " + soname + " is loaded", e);
        }
    }

    private static final class Glibc {
        static final NativeMalloc INSTANCE = bind("glibc", Linker.nativeLinker().defaultLookup(), "malloc", "free");
    }

    /** Loads mimalloc on first use; keeps the reason if it cannot, so every caller gets the same message. */
    private static final class Mimalloc {
        static final RuntimeException PROBLEM;
        static final NativeMalloc INSTANCE;

        static {
            NativeMalloc instance = null;
            RuntimeException problem = null;
            try {
                instance = bind("mimalloc", library(MIMALLOC_SONAME, "libmimalloc2.0"), "mi_malloc", "mi_free");
            } catch (RuntimeException e) {
                problem = e;
            }
            INSTANCE = instance;
            PROBLEM = problem;
        }
    }

    /** Finds the preloaded jemalloc on first use; keeps the reason if it cannot. */
    private static final class Jemalloc {
        static final RuntimeException PROBLEM;
        static final NativeMalloc INSTANCE;

        static {
            NativeMalloc instance = null;
            RuntimeException problem = null;
            try {
                instance = load();
            } catch (RuntimeException e) {
                problem = e;
            }
            INSTANCE = instance;
            PROBLEM = problem;
        }

        private static NativeMalloc load() {
            if (!isMapped(JEMALLOC_SONAME)) {
                throw new IllegalStateException("jemalloc is not preloaded: run this benchmark with LD_PRELOAD="
                        + JEMALLOC_SONAME + " (a running JVM cannot dlopen it: static TLS); benchmarks/run.sh runs "
                        + "it that way in a JMH invocation of its own");
            }
            SymbolLookup lookup = library(JEMALLOC_SONAME, "libjemalloc2");
            symbol(lookup, "mallctl", "jemalloc"); // proves the handle is jemalloc, not whatever exports malloc
            return bind("jemalloc", lookup, "malloc", "free");
        }
    }
}
