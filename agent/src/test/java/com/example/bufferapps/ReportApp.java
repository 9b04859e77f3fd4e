package com.example.bufferapps;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Holds 10 buffers of 1000 bytes from one method, then sleeps {@code args[0]} ms so periodic reports can appear. */
public final class ReportApp {
    private static final List<ByteBuffer> HELD = new ArrayList<>();

    private ReportApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        for (int i = 0; i < 10; i++) {
            HELD.add(holdMessage(1000));
        }
        System.out.println("holding " + HELD.size());
        Thread.sleep(Long.parseLong(args[0]));
    }

    static ByteBuffer holdMessage(int bytes) {
        return ByteBuffer.allocateDirect(bytes);
    }
}
