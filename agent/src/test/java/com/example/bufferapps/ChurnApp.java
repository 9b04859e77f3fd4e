package com.example.bufferapps;

import java.nio.ByteBuffer;

/**
 * Allocates 256-byte direct buffers as fast as it can for {@code args[0]} ms, each dropped at once, and prints
 * {@code VALUE allocations n}: a redirected site whose every allocation is offered to JFR's allocation sample.
 */
public final class ChurnApp {
    private ChurnApp() {
    }

    public static void main(String[] args) {
        long end = System.nanoTime() + Long.parseLong(args[0]) * 1_000_000L;
        long allocations = 0;
        long checksum = 0;
        while (System.nanoTime() < end) {
            ByteBuffer buffer = allocate();
            buffer.put(0, (byte) 1);
            checksum += buffer.get(0);
            allocations++;
        }
        Checks.value("allocations", allocations);
        Checks.check("every buffer written", checksum == allocations, checksum);
        Checks.finish();
    }

    static ByteBuffer allocate() {
        return ByteBuffer.allocateDirect(256);
    }
}
