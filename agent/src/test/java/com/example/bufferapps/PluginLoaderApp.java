package com.example.bufferapps;

import dev.offpool.agent.Redirects;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import static com.example.bufferapps.Checks.check;

/**
 * Loads a plugin class through its own URLClassLoader whose parent is the platform loader, as plugin systems and
 * servlet containers isolate code: the plugin cannot see the application class path, only the JDK (and so the
 * bootstrap class path, where the agent's runtime is).
 */
public final class PluginLoaderApp {
    private PluginLoaderApp() {
    }

    public static void main(String[] args) throws Exception {
        URL classes = Path.of(args[0]).toUri().toURL();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            Class<?> plugin = loader.loadClass("com.example.bufferapps.plugin.PluginAllocator");
            check("pluginHasItsOwnLoader", plugin.getClassLoader() == loader);
            ByteBuffer buffer = (ByteBuffer) plugin.getMethod("allocate", int.class).invoke(null, 2048);
            check("pluginBuffersAreRedirected", Redirects.isRedirected(buffer) && buffer.capacity() == 2048);
        }
        Checks.finish();
    }
}
