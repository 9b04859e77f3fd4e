package com.example.bufferapps.excluded;

import java.nio.ByteBuffer;

/** Allocates from a class the tests exclude by pattern. */
public final class ExcludedAllocator {
    private ExcludedAllocator() {
    }

    public static ByteBuffer allocate(int capacity) {
        return ByteBuffer.allocateDirect(capacity);
    }
}
