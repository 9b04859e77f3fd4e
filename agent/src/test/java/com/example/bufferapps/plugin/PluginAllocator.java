package com.example.bufferapps.plugin;

import java.nio.ByteBuffer;

/** A plugin's allocation, loaded by its own URLClassLoader in {@code PluginLoaderApp}. */
public final class PluginAllocator {
    private PluginAllocator() {
    }

    public static ByteBuffer allocate(int capacity) {
        return ByteBuffer.allocateDirect(capacity);
    }
}
