/**
 * offpool core: a pymalloc-style allocator for off-heap memory.
 *
 * <p>{@link dev.offpool.OffPool} is the entry point. A {@link dev.offpool.spi.PageSource} found through
 * {@link java.util.ServiceLoader} (the {@code offpool-native-bridge} module provides one over mmap) supplies arena
 * memory; without one, arenas come from {@link java.lang.foreign.Arena#ofShared()}.
 */
module dev.offpool.core {
    exports dev.offpool;
    exports dev.offpool.spi;

    uses dev.offpool.spi.PageSource;
}
