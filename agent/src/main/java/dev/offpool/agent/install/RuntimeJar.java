package dev.offpool.agent.install;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarFile;

/**
 * Puts the redirect runtime where every class loader finds it: the jar embedded in the agent jar (the public
 * {@code dev.offpool.agent} API, {@code dev.offpool.agent.redirect}, core and native-bridge) is copied to a temporary
 * file and appended to the bootstrap class path.
 *
 * <p>Why the bootstrap path: an instrumented class calls {@code BufferRedirect} from whatever loader defined it: the
 * application loader, a servlet container's web-app loader, a plugin loader whose parent is the platform loader.
 * Every loader delegates to the bootstrap loader (directly or through its parents), so all of them resolve the one
 * copy there, and there is one {@code OffPool.global()} per JVM. Byte Buddy and the option code stay in the agent
 * jar, on the application class path, invisible to the bootstrap side.
 */
final class RuntimeJar {
    static final String RESOURCE = "offpool-agent-runtime.jar";
    /** A class only the runtime jar holds: if the bootstrap loader finds it, the jar is appended already. */
    private static final String PROBE_CLASS = "dev.offpool.agent.redirect.Redirector";

    private RuntimeJar() {
    }

    static void appendToBootstrapSearch(Instrumentation inst) {
        if (isOnBootstrapPath()) {
            return;
        }
        try (InputStream in = RuntimeJar.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("offpool agent: " + RESOURCE + " is missing from the agent jar");
            }
            Path copy = Files.createTempFile("offpool-agent-runtime-", ".jar");
            copy.toFile().deleteOnExit();
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            inst.appendToBootstrapClassLoaderSearch(new JarFile(copy.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("offpool agent: cannot extract its runtime jar", e);
        }
    }

    static boolean isOnBootstrapPath() {
        try {
            Class.forName(PROBE_CLASS, false, null);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
