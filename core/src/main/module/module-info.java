/**
 * offpool core: a pymalloc-style allocator for off-heap memory.
 *
 * <p>{@link dev.offpool.OffPool} is the entry point. A {@link dev.offpool.spi.PageSource} found through
 * {@link java.util.ServiceLoader} (the {@code offpool-native-bridge} module provides one over mmap) supplies arena
 * memory; without one, arenas come from {@link java.lang.foreign.Arena#ofShared()}.
 *
 * <p>Observability: JFR events (package {@code dev.offpool.jfr}, not exported: the events are read by name, and
 * registered only once a recording exists), JMX beans ({@link dev.offpool.jmx.OffPoolMBeans}), and the occupancy map
 * ({@link dev.offpool.OccupancyMap}).
 */
module dev.offpool.core {
    requires jdk.jfr;
    requires java.management;

    exports dev.offpool;
    exports dev.offpool.jmx;
    exports dev.offpool.spi;

    uses dev.offpool.spi.PageSource;
}
