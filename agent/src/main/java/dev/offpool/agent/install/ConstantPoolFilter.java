package dev.offpool.agent.install;

import dev.offpool.agent.redirect.Redirector;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;

import java.lang.instrument.IllegalClassFormatException;
import java.nio.charset.StandardCharsets;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Set;

/**
 * Skips classes that cannot hold a call site to redirect before Byte Buddy parses them. A class that calls
 * {@code allocateDirect} (or {@code invokeCleaner}) has that name as a UTF-8 entry of its constant pool, so a class
 * file that lacks the bytes (nor the name of a pass-through helper's class, which its callers hold) needs no work:
 * most classes of an application are rejected by one scan of their bytes instead of a parse and a rewrite. Classes
 * that contain the bytes go to Byte Buddy, which decides precisely, after {@link CallLines} has read the lines of
 * their calls.
 */
final class ConstantPoolFilter extends ResettableClassFileTransformer.WithDelegation {
    private static final byte[] ALLOCATE_DIRECT = "allocateDirect".getBytes(StandardCharsets.UTF_8);
    private static final byte[] INVOKE_CLEANER = "invokeCleaner".getBytes(StandardCharsets.UTF_8);

    private final boolean invokeCleaner;
    /** The internal names of the pass-through helpers' classes: their callers name them. */
    private final List<byte[]> helperClasses;

    ConstantPoolFilter(ResettableClassFileTransformer transformer, boolean invokeCleaner, Set<String> helpers) {
        super(transformer);
        this.invokeCleaner = invokeCleaner;
        this.helperClasses = helpers.stream().map(helper -> helper.substring(0, helper.lastIndexOf('.')))
                .distinct().map(name -> name.getBytes(StandardCharsets.UTF_8)).toList();
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classFile)
            throws IllegalClassFormatException {
        noteNetty(className);
        if (!mayCallRedirected(classFile)) {
            return null;
        }
        CallLines.begin(classFile);
        try {
            return classFileTransformer.transform(loader, className, classBeingRedefined, protectionDomain, classFile);
        } finally {
            CallLines.end();
        }
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classFile)
            throws IllegalClassFormatException {
        noteNetty(className);
        if (!mayCallRedirected(classFile)) {
            return null;
        }
        CallLines.begin(classFile);
        try {
            return classFileTransformer.transform(module, loader, className, classBeingRedefined, protectionDomain,
                    classFile);
        } finally {
            CallLines.end();
        }
    }

    /** Tells the runtime once that Netty's buffer classes are here, for the report's note. */
    private static void noteNetty(String className) {
        if (!nettySeen && className != null && className.startsWith("io/netty/buffer/")) {
            nettySeen = true;
            Redirector.nettyLoaded();
        }
    }

    private static volatile boolean nettySeen;

    private boolean mayCallRedirected(byte[] classFile) {
        if (classFile == null) {
            return false;
        }
        if (contains(classFile, ALLOCATE_DIRECT) || invokeCleaner && contains(classFile, INVOKE_CLEANER)) {
            return true;
        }
        for (byte[] helperClass : helperClasses) {
            if (contains(classFile, helperClass)) {
                return true;
            }
        }
        return false;
    }

    /** {@return true if {@code needle} occurs in {@code haystack}} A first-byte scan, then a compare. */
    static boolean contains(byte[] haystack, byte[] needle) {
        byte first = needle[0];
        int last = haystack.length - needle.length;
        outer:
        for (int i = 0; i <= last; i++) {
            if (haystack[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
