/**
 * offpool native bridge: OS memory calls through the FFM {@link java.lang.foreign.Linker}, plugged into core, and
 * pooled memory for JNA.
 *
 * <p>{@link dev.offpool.nativebridge.MmapPageSource} gives the allocator its arenas from anonymous {@code mmap}
 * mappings and lets it hand unused pages back to the OS with {@code madvise}. Core finds it through
 * {@link java.util.ServiceLoader}: putting this module on the path is the whole setup. Its downcalls are restricted
 * methods, so run with {@code --enable-native-access=dev.offpool.nativebridge} (or {@code ALL-UNNAMED} on the class
 * path).
 *
 * <p>{@link dev.offpool.nativebridge.PooledMemory} is a JNA {@code Memory} over an offpool block, and
 * {@link dev.offpool.nativebridge.PooledJna} supplies the library options that hold it during native calls and the
 * views between JNA pointers and FFM segments.
 */
module dev.offpool.nativebridge {
    requires dev.offpool.core;
    requires com.sun.jna;

    exports dev.offpool.nativebridge;

    provides dev.offpool.spi.PageSource with dev.offpool.nativebridge.MmapPageSource;
}
