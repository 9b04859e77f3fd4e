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
 * A C allocator reached through FFM downcalls: {@code malloc}, the zeroing {@code calloc} (and mimalloc's
 * {@code mi_zalloc}) and {@code free}, pointers as {@code long}s so the hot path makes no garbage.
 *
 * {@snippet :
 * NativeMalloc glibc = NativeMalloc.glibc();                 // critical downcalls
 * long p = glibc.calloc(64);                                 // 64 zeroed bytes
 * glibc.free(p);
 * NativeMalloc plain = NativeMalloc.glibc(Binding.NON_CRITICAL);
 * }
 *
 * <h2>Bindings</h2>
 * {@link Binding#CRITICAL} (the default) binds with {@code Linker.Option.critical(false)}: the call skips the
 * thread-state transition and its safepoint poll, which is how a JVM engineer binds short leaf functions that never
 * call back into Java, and what the peers must be measured with. {@link Binding#NON_CRITICAL} is the ordinary
 * downcall, kept beside it so the tables show what the transition costs per allocate + free.
 *
 * <p>The handles are record components, which HotSpot trusts as constants: held in a {@code static final} field, or
 * returned by a factory called with a constant {@link Binding}, a whole call inlines down to the native stub.
 *
 * <h2>Libraries</h2>
 * glibc comes from the linker's default lookup. mimalloc is loaded from {@code libmimalloc.so.2} in
 * {@link Arena#global()}, so it is never unloaded: it registers thread-exit hooks, and unloading it under a running JVM
 * crashes the JVM when the next thread exits. jemalloc must be preloaded (see {@link #jemallocPreloaded(Binding)}).
 * A library that is missing makes its factory throw {@link IllegalStateException} with the fix in the message, every
 * time it is asked for; the benchmarks never measure another allocator instead.
 *
 * @param name    the allocator's name, for messages
 * @param binding how the handles were bound
 * @param malloc  {@code (long size) -> long pointer}
 * @param calloc  {@code (long count, long size) -> long pointer}, zeroed
 * @param zalloc  {@code (long size) -> long pointer}, zeroed, or {@code null} when the library has no such function
 * @param free    {@code (long pointer) -> void}
 */
public record NativeMalloc(String name, Binding binding, MethodHandle malloc, MethodHandle calloc, MethodHandle zalloc,
                           MethodHandle free) {
    private static final String MIMALLOC_SONAME = "libmimalloc.so.2";
    private static final String JEMALLOC_SONAME = "libjemalloc.so.2";
    // size_t and void* are both 64-bit integers in the x86-64 and AArch64 C ABIs.
    private static final FunctionDescriptor SIZE_TO_POINTER =
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);
    private static final FunctionDescriptor COUNT_SIZE_TO_POINTER =
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);
    private static final FunctionDescriptor POINTER_TO_VOID = FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG);

    /** How a native function is bound. */
    public enum Binding {
        /** {@code Linker.Option.critical(false)}: no thread-state transition; for short leaf functions. */
        CRITICAL,
        /** An ordinary downcall: the thread goes to native state and back, as for any foreign call. */
        NON_CRITICAL;

        private Linker.Option[] options() {
            return this == CRITICAL ? new Linker.Option[] {Linker.Option.critical(false)} : new Linker.Option[0];
        }
    }

    /** {@return glibc's {@code malloc}/{@code calloc}/{@code free} as critical downcalls} */
    public static NativeMalloc glibc() {
        return glibc(Binding.CRITICAL);
    }

    /**
     * {@return glibc's {@code malloc}/{@code calloc}/{@code free}, from the linker's default lookup}
     *
     * @param binding how the functions are bound
     */
    public static NativeMalloc glibc(Binding binding) {
        return binding == Binding.CRITICAL ? Glibc.CRITICAL : Glibc.NON_CRITICAL;
    }

    /**
     * {@return mimalloc's {@code mi_malloc}/{@code mi_calloc}/{@code mi_zalloc}/{@code mi_free} as critical
     * downcalls}
     *
     * @throws IllegalStateException naming the missing package, when the library is not installed
     */
    public static NativeMalloc mimalloc() {
        return mimalloc(Binding.CRITICAL);
    }

    /**
     * {@return mimalloc's {@code mi_malloc}/{@code mi_calloc}/{@code mi_zalloc}/{@code mi_free}, from
     * {@code libmimalloc.so.2} loaded on first use}
     *
     * @param binding how the functions are bound
     * @throws IllegalStateException naming the missing package, when the library is not installed
     */
    public static NativeMalloc mimalloc(Binding binding) {
        return loaded(binding == Binding.CRITICAL ? Mimalloc.CRITICAL : Mimalloc.NON_CRITICAL, Mimalloc.PROBLEM);
    }

    /**
     * {@return jemalloc's {@code malloc}/{@code calloc}/{@code free} as critical downcalls, when
     * {@code libjemalloc.so.2} was preloaded into this process}
     *
     * @throws IllegalStateException saying how to preload it, when it was not preloaded
     */
    public static NativeMalloc jemallocPreloaded() {
        return jemallocPreloaded(Binding.CRITICAL);
    }

    /**
     * {@return jemalloc's {@code malloc}/{@code calloc}/{@code free}, when {@code libjemalloc.so.2} was preloaded into
     * this process}
     *
     * <p>jemalloc uses initial-exec thread-local storage, so a running JVM cannot {@code dlopen} it ("cannot allocate
     * memory in static TLS block"); it must come in through {@code LD_PRELOAD}. Even then the linker's default lookup
     * still resolves {@code malloc} to glibc's (it searches libc, not the preloaded objects), so the symbols are taken
     * from jemalloc's own handle, after checking that the library is mapped into this process and that the handle
     * exports jemalloc's {@code mallctl}.
     *
     * @param binding how the functions are bound
     * @throws IllegalStateException saying how to preload it, when it was not preloaded
     */
    public static NativeMalloc jemallocPreloaded(Binding binding) {
        return loaded(binding == Binding.CRITICAL ? Jemalloc.CRITICAL : Jemalloc.NON_CRITICAL, Jemalloc.PROBLEM);
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
     * @param byteSize bytes to allocate
     * @throws OutOfMemoryError if the allocator returns NULL
     */
    public long malloc(long byteSize) {
        long address;
        try {
            address = (long) malloc.invokeExact(byteSize);
        } catch (Throwable t) {
            throw new AssertionError(name + " malloc failed", t);
        }
        return checked(address, "malloc", byteSize);
    }

    /**
     * {@return the address of {@code byteSize} zeroed bytes, from {@code calloc(1, byteSize)}}
     *
     * @param byteSize bytes to allocate
     * @throws OutOfMemoryError if the allocator returns NULL
     */
    public long calloc(long byteSize) {
        long address;
        try {
            address = (long) calloc.invokeExact(1L, byteSize);
        } catch (Throwable t) {
            throw new AssertionError(name + " calloc failed", t);
        }
        return checked(address, "calloc", byteSize);
    }

    /**
     * {@return the address of {@code byteSize} zeroed bytes, from the library's one-argument zeroing allocation
     * ({@code mi_zalloc})}
     *
     * @param byteSize bytes to allocate
     * @throws UnsupportedOperationException if the library has no such function ({@link #zalloc()} is {@code null})
     * @throws OutOfMemoryError              if the allocator returns NULL
     */
    public long zalloc(long byteSize) {
        if (zalloc == null) {
            throw new UnsupportedOperationException(name + " has no zalloc; use calloc");
        }
        long address;
        try {
            address = (long) zalloc.invokeExact(byteSize);
        } catch (Throwable t) {
            throw new AssertionError(name + " zalloc failed", t);
        }
        return checked(address, "zalloc", byteSize);
    }

    /**
     * Frees {@code address}, which {@link #malloc}, {@link #calloc} or {@link #zalloc} of this library returned; what a
     * wrong address does is up to the C library (usually an abort).
     *
     * @param address the block's address
     */
    public void free(long address) {
        try {
            free.invokeExact(address);
        } catch (Throwable t) {
            throw new AssertionError(name + " free failed", t);
        }
    }

    private long checked(long address, String function, long byteSize) {
        if (address == 0) {
            throw new OutOfMemoryError(name + " " + function + "(" + byteSize + ") returned NULL");
        }
        return address;
    }

    /** The symbols one library exports for each role; {@code zalloc} is {@code null} when it has none. */
    private record Symbols(String name, String malloc, String calloc, String zalloc, String free) {
        NativeMalloc bind(SymbolLookup lookup, Binding binding) {
            Linker linker = Linker.nativeLinker();
            Linker.Option[] options = binding.options();
            return new NativeMalloc(name, binding,
                    linker.downcallHandle(symbol(lookup, malloc, name), SIZE_TO_POINTER, options),
                    linker.downcallHandle(symbol(lookup, calloc, name), COUNT_SIZE_TO_POINTER, options),
                    zalloc == null ? null
                            : linker.downcallHandle(symbol(lookup, zalloc, name), SIZE_TO_POINTER, options),
                    linker.downcallHandle(symbol(lookup, free, name), POINTER_TO_VOID, options));
        }
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
        private static final Symbols SYMBOLS = new Symbols("glibc", "malloc", "calloc", null, "free");
        static final NativeMalloc CRITICAL = SYMBOLS.bind(Linker.nativeLinker().defaultLookup(), Binding.CRITICAL);
        static final NativeMalloc NON_CRITICAL =
                SYMBOLS.bind(Linker.nativeLinker().defaultLookup(), Binding.NON_CRITICAL);
    }

    /** Loads mimalloc on first use; keeps the reason if it cannot, so every caller gets the same message. */
    private static final class Mimalloc {
        static final RuntimeException PROBLEM;
        static final NativeMalloc CRITICAL;
        static final NativeMalloc NON_CRITICAL;

        static {
            Symbols symbols = new Symbols("mimalloc", "mi_malloc", "mi_calloc", "mi_zalloc", "mi_free");
            NativeMalloc critical = null;
            NativeMalloc nonCritical = null;
            RuntimeException problem = null;
            try {
                SymbolLookup lookup = library(MIMALLOC_SONAME, "libmimalloc2.0");
                critical = symbols.bind(lookup, Binding.CRITICAL);
                nonCritical = symbols.bind(lookup, Binding.NON_CRITICAL);
            } catch (RuntimeException e) {
                problem = e;
            }
            CRITICAL = critical;
            NON_CRITICAL = nonCritical;
            PROBLEM = problem;
        }
    }

    /** Finds the preloaded jemalloc on first use; keeps the reason if it cannot. */
    private static final class Jemalloc {
        static final RuntimeException PROBLEM;
        static final NativeMalloc CRITICAL;
        static final NativeMalloc NON_CRITICAL;

        static {
            Symbols symbols = new Symbols("jemalloc", "malloc", "calloc", null, "free");
            NativeMalloc critical = null;
            NativeMalloc nonCritical = null;
            RuntimeException problem = null;
            try {
                SymbolLookup lookup = preloaded();
                critical = symbols.bind(lookup, Binding.CRITICAL);
                nonCritical = symbols.bind(lookup, Binding.NON_CRITICAL);
            } catch (RuntimeException e) {
                problem = e;
            }
            CRITICAL = critical;
            NON_CRITICAL = nonCritical;
            PROBLEM = problem;
        }

        private static SymbolLookup preloaded() {
            if (!isMapped(JEMALLOC_SONAME)) {
                throw new IllegalStateException("jemalloc is not preloaded: run this benchmark with LD_PRELOAD="
                        + JEMALLOC_SONAME + " (a running JVM cannot dlopen it: static TLS); benchmarks/run.sh runs "
                        + "it that way in a JMH invocation of its own");
            }
            SymbolLookup lookup = library(JEMALLOC_SONAME, "libjemalloc2");
            symbol(lookup, "mallctl", "jemalloc"); // proves the handle is jemalloc, not whatever exports malloc
            return lookup;
        }
    }
}
