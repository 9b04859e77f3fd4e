package dev.offpool.jfr;

import dev.offpool.InvalidFreeException;
import dev.offpool.OffPool;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;

/**
 * An application for the tests that fork a JVM: it allocates and frees through a named allocator, and makes one
 * double free, so a recording of it holds each kind of offpool event; or, with the argument {@code lazy}, it reports
 * when JFR got initialized and when offpool's event types appeared.
 */
public final class RecordedApp {
    private RecordedApp() {
    }

    /** @param args {@code lazy}, or nothing */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("lazy")) {
            lazy();
            return;
        }
        try (OffPool pool = OffPool.builder().name("app").build()) {
            for (int i = 0; i < 5_000; i++) {
                pool.freeAddress(pool.allocateAddress(40));
            }
            long block = pool.allocateAddress(64);
            pool.freeAddress(block);
            try {
                pool.freeAddress(block);
            } catch (InvalidFreeException expected) {
                System.out.println("rejected: " + expected.getMessage());
            }
        }
    }

    private static void lazy() {
        try (OffPool pool = OffPool.builder().name("lazy").build()) {
            pool.freeAddress(pool.allocateAddress(40));
            System.out.println("after allocating: jfr initialized=" + FlightRecorder.isInitialized());
            try (Recording recording = new Recording()) {
                boolean registered = FlightRecorder.getFlightRecorder().getEventTypes().stream()
                        .map(EventType::getName).anyMatch(name -> name.equals("offpool.ChunkMapped"));
                System.out.println("after new Recording(): offpool events registered=" + registered);
            }
        }
    }
}
