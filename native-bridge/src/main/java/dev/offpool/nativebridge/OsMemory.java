package dev.offpool.nativebridge;

import dev.offpool.spi.PageSourceException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc memory calls the page source needs, as FFM downcalls: {@code mmap}, {@code munmap}, {@code madvise},
 * {@code sysconf(_SC_PAGESIZE)}, and {@code strerror} to explain a failure.
 *
 * <p>Every call that can fail captures {@code errno} with {@link Linker.Option#captureCallState(String...)} (the JVM
 * itself may overwrite {@code errno} between a downcall and any later read) and turns a failure into a
 * {@link PageSourceException} whose message names the call, its arguments and the errno with its text, such as
 * {@code mmap(NULL, 4611686018427387904, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0)
 * failed: errno 12 (Cannot allocate memory)}. Arguments that break a call's preconditions (an address or length
 * that is not page-aligned) are rejected with {@link IllegalArgumentException} before anything reaches the kernel.
 *
 * <p>The flag values are Linux's, identical on x86_64 and aarch64 (both use the generic {@code mman} constants);
 * {@link #requireSupportedPlatform()} refuses anything else before a downcall is linked. {@code size_t} and
 * {@code off_t} are 64-bit there, hence {@code JAVA_LONG}. All downcalls are restricted methods: the caller's module
 * needs {@code --enable-native-access}.
 */
final class OsMemory {
    /** Pages may be read. */
    static final int PROT_READ = 0x1;
    /** Pages may be written. */
    static final int PROT_WRITE = 0x2;
    /** Copy-on-write, never shared with another process. */
    static final int MAP_PRIVATE = 0x02;
    /** Not backed by a file: zero-filled on first touch. */
    static final int MAP_ANONYMOUS = 0x20;
    /** Reserve address space without charging swap/commit up front; pages are committed when first touched. */
    static final int MAP_NORESERVE = 0x4000;
    /** Drop the pages now: RSS falls at once and the next touch faults in a zero page. */
    static final int MADV_DONTNEED = 4;
    /** Let the kernel take the pages lazily, under memory pressure; until then they keep their contents. */
    static final int MADV_FREE = 8;
    /** {@code sysconf} name of the page size on Linux (glibc and musl). */
    static final int SC_PAGESIZE = 30;

    private static final int PROTECTION = PROT_READ | PROT_WRITE;
    private static final String PROTECTION_TEXT = "PROT_READ|PROT_WRITE";
    private static final int MAP_FLAGS = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    private static final String MAP_FLAGS_TEXT = "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE";
    /** Anonymous mappings take no file descriptor. */
    private static final int NO_FILE = -1;
    /** {@code (void *) -1}, what {@code mmap} returns on failure. */
    private static final long MAP_FAILED = -1L;

    private OsMemory() {
    }

    /**
     * Checks that this JVM runs where the constants above hold.
     *
     * @throws UnsupportedOperationException on any OS other than Linux, or an architecture other than x86_64/aarch64
     */
    static void requireSupportedPlatform() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        boolean linux = os.toLowerCase(Locale.ROOT).startsWith("linux");
        boolean knownArch = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64");
        if (!linux || !knownArch) {
            throw new UnsupportedOperationException("the mmap page source knows the mmap/madvise constants of Linux"
                    + " on x86_64 and aarch64 only; this JVM runs on " + os + " " + arch);
        }
    }

    /** {@return the OS page size in bytes, a power of two} */
    static long pageSize() {
        return Downcalls.PAGE_SIZE_BYTES;
    }

    /**
     * Maps {@code byteSize} bytes of fresh anonymous memory whose address is a multiple of {@code byteAlignment}.
     *
     * <p>{@code mmap} only promises page alignment, so for a larger alignment this maps
     * {@code byteSize + byteAlignment - pageSize} bytes, which must contain an aligned run of {@code byteSize}, and
     * unmaps the unaligned head and the tail around it. The excess is address space only: nothing was touched, so it
     * never costs memory.
     *
     * @param byteSize      a positive multiple of the page size
     * @param byteAlignment a power of two
     * @return the address of the mapping: readable, writable, zero-filled, committed page by page on first touch
     * @throws IllegalArgumentException if an argument breaks its rule
     * @throws PageSourceException      if the kernel refuses the mapping (the message carries errno and its text)
     */
    static long mapAligned(long byteSize, long byteAlignment) {
        long page = pageSize();
        requirePageMultiple("mmap length", byteSize);
        if (byteSize <= 0) {
            throw new IllegalArgumentException("mmap length must be positive, was " + byteSize);
        }
        if (byteAlignment <= 0 || Long.bitCount(byteAlignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, was " + byteAlignment);
        }
        long slack = Math.max(byteAlignment, page) - page;
        if (byteSize > Long.MAX_VALUE - slack) {
            throw new PageSourceException("cannot map " + byteSize + " bytes aligned to " + byteAlignment
                    + ": the request exceeds the address space");
        }
        long mappedBytes = byteSize + slack;
        long start = map(mappedBytes);
        long[] trim = trim(start, mappedBytes, byteSize, byteAlignment);
        long aligned = trim[0];
        long headBytes = trim[1];
        long tailBytes = trim[2];
        try {
            if (headBytes > 0) {
                unmap(start, headBytes);
            }
            if (tailBytes > 0) {
                unmap(aligned + byteSize, tailBytes);
            }
        } catch (PageSourceException e) {
            unmapQuietly(start, mappedBytes, e);
            throw e;
        }
        return aligned;
    }

    /**
     * Where the aligned mapping lies in an over-sized one, and what to unmap around it.
     *
     * @param start         the over-sized mapping's address, page-aligned
     * @param mappedBytes   its length: {@code byteSize} plus the alignment's slack
     * @param byteSize      the aligned mapping's length
     * @param byteAlignment the alignment, a power of two
     * @return the aligned address, the head's length (from {@code start}) and the tail's (after the aligned mapping)
     */
    static long[] trim(long start, long mappedBytes, long byteSize, long byteAlignment) {
        long aligned = (start + byteAlignment - 1) & -byteAlignment;
        long headBytes = aligned - start;
        return new long[] {aligned, headBytes, mappedBytes - headBytes - byteSize};
    }

    /**
     * Unmaps {@code [address, address + byteSize)}; any later access to it faults.
     *
     * @param address  a multiple of the page size
     * @param byteSize a positive multiple of the page size
     * @throws IllegalArgumentException if an argument is not page-aligned or the length is not positive
     * @throws PageSourceException      if {@code munmap} fails
     */
    static void unmap(long address, long byteSize) {
        requirePageMultiple("munmap address", address);
        requirePageMultiple("munmap length", byteSize);
        if (byteSize <= 0) {
            throw new IllegalArgumentException("munmap length must be positive, was " + byteSize);
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(Downcalls.CALL_STATE);
            int result = (int) Downcalls.MUNMAP.invokeExact(state, MemorySegment.ofAddress(address), byteSize);
            if (result != 0) {
                throw failure("munmap(" + hex(address) + ", " + byteSize + ")", state);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError("munmap downcall threw a checked exception", e);
        }
    }

    /**
     * Gives {@code advice} to the kernel for the pages of {@code range}.
     *
     * <p>The range goes to the downcall as a segment, so the linker keeps its scope alive for the duration of the
     * call and refuses a closed one with {@link IllegalStateException}: a released chunk cannot be advised.
     *
     * @param range  a native segment whose address and size are multiples of the page size
     * @param advice {@link #MADV_DONTNEED} or {@link #MADV_FREE}
     * @throws IllegalArgumentException if the range is not page-aligned or not native
     * @throws PageSourceException      if {@code madvise} fails
     */
    static void advise(MemorySegment range, int advice) {
        if (!range.isNative()) {
            throw new IllegalArgumentException("madvise needs a native segment, was " + range);
        }
        requirePageMultiple("madvise address", range.address());
        requirePageMultiple("madvise length", range.byteSize());
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(Downcalls.CALL_STATE);
            int result = (int) Downcalls.MADVISE.invokeExact(state, range, range.byteSize(), advice);
            if (result != 0) {
                throw failure("madvise(" + hex(range.address()) + ", " + range.byteSize() + ", "
                        + adviceText(advice) + ")", state);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError("madvise downcall threw a checked exception", e);
        }
    }

    private static long map(long byteSize) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(Downcalls.CALL_STATE);
            MemorySegment mapping = (MemorySegment) Downcalls.MMAP.invokeExact(state, MemorySegment.NULL, byteSize,
                    PROTECTION, MAP_FLAGS, NO_FILE, 0L);
            if (mapping.address() == MAP_FAILED) {
                throw failure("mmap(NULL, " + byteSize + ", " + PROTECTION_TEXT + ", " + MAP_FLAGS_TEXT + ", "
                        + NO_FILE + ", 0)", state);
            }
            return mapping.address();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError("mmap downcall threw a checked exception", e);
        }
    }

    private static void unmapQuietly(long address, long byteSize, PageSourceException cause) {
        try {
            unmap(address, byteSize);
        } catch (PageSourceException e) {
            cause.addSuppressed(e);
        }
    }

    private static PageSourceException failure(String call, MemorySegment state) {
        int errno = (int) Downcalls.ERRNO.get(state, 0L);
        return new PageSourceException(call + " failed: errno " + errno + " (" + errorText(errno) + ")");
    }

    /**
     * {@return strerror's text for {@code errno}, or a placeholder if even that fails}
     *
     * @param errno an error number, as captured from a failed call
     */
    static String errorText(int errno) {
        try {
            MemorySegment text = (MemorySegment) Downcalls.STRERROR.invokeExact(errno);
            if (text.equals(MemorySegment.NULL)) {
                return "no description";
            }
            // strerror returns a NUL-terminated string of unknown length; reading it needs an unbounded view.
            return text.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (RuntimeException | Error e) {
            return "no description: strerror failed with " + e;
        } catch (Throwable e) {
            throw new AssertionError("strerror downcall threw a checked exception", e);
        }
    }

    private static String adviceText(int advice) {
        return switch (advice) {
            case MADV_DONTNEED -> "MADV_DONTNEED";
            case MADV_FREE -> "MADV_FREE";
            default -> Integer.toString(advice);
        };
    }

    private static void requirePageMultiple(String what, long value) {
        if ((value & (pageSize() - 1)) != 0) {
            throw new IllegalArgumentException(what + " must be a multiple of the page size " + pageSize()
                    + ", was " + value);
        }
    }

    private static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }

    /**
     * The linked downcalls, in a holder of their own so that {@link #requireSupportedPlatform()} can run, and fail
     * cleanly, before anything is looked up in libc.
     */
    private static final class Downcalls {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final SymbolLookup LIBC = LINKER.defaultLookup();
        private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

        /** Where a downcall leaves the errno it captured; allocated per call by the caller. */
        static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

        /** {@code void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)} */
        static final MethodHandle MMAP = link("mmap",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
                CAPTURE_ERRNO);
        /** {@code int munmap(void *addr, size_t length)} */
        static final MethodHandle MUNMAP = link("munmap",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);
        /** {@code int madvise(void *addr, size_t length, int advice)} */
        static final MethodHandle MADVISE = link("madvise",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
        /** {@code char *strerror(int errnum)}: glibc and musl return static or thread-local text, never freed. */
        static final MethodHandle STRERROR = link("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        /** {@code long sysconf(int name)} */
        private static final MethodHandle SYSCONF = link("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));

        static final long PAGE_SIZE_BYTES = queryPageSize();

        private Downcalls() {
        }

        private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
            MemorySegment symbol = LIBC.find(name)
                    .orElseThrow(() -> new UnsupportedOperationException("libc has no symbol " + name));
            return LINKER.downcallHandle(symbol, descriptor, options);
        }

        private static long queryPageSize() {
            long bytes;
            try {
                bytes = (long) SYSCONF.invokeExact(SC_PAGESIZE);
            } catch (Throwable e) {
                throw new IllegalStateException("sysconf(_SC_PAGESIZE) failed", e);
            }
            if (bytes <= 0 || Long.bitCount(bytes) != 1) {
                throw new IllegalStateException("sysconf(_SC_PAGESIZE) returned " + bytes
                        + ", not a page size");
            }
            return bytes;
        }
    }
}
