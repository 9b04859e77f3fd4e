package dev.offpool.agent.install;

import java.util.List;

/**
 * Which classes have their call sites redirected: those matching an {@code include} pattern and no {@code exclude}
 * pattern, never offpool's own classes nor the relocated Byte Buddy (so the agent cannot recurse into itself,
 * whatever the options say). Classes of the bootstrap and platform class loaders (the JDK) are left out separately,
 * by loader, in {@link Instrumenter}.
 *
 * <p>A pattern is a binary class name ({@code com.acme.Server}, nested classes with {@code $}), or a prefix ending
 * in {@code *} ({@code com.acme.*} is every class in {@code com.acme} and its subpackages; {@code com.acme.Buf*}
 * every class whose name starts so), or {@code *} alone for every class.
 *
 * @param include patterns a class must match one of
 * @param exclude patterns a class must match none of
 */
record ClassSelection(List<String> include, List<String> exclude) {
    /** The classes of offpool itself: its public API package's classes, and its other packages. */
    private static final List<String> OFFPOOL_PACKAGES = List.of("dev.offpool.agent.", "dev.offpool.internal.",
            "dev.offpool.spi.", "dev.offpool.nativebridge.");
    private static final String OFFPOOL_API_PACKAGE = "dev.offpool.";

    ClassSelection {
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
    }

    /** {@return true if the class's call sites are redirected} */
    boolean selects(String className) {
        return !isOffpool(className) && matchesAny(include, className) && !matchesAny(exclude, className);
    }

    /** {@return true for offpool's own classes (core, native-bridge, the agent and its relocated Byte Buddy)} */
    static boolean isOffpool(String className) {
        for (String prefix : OFFPOOL_PACKAGES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        // The public API classes sit directly in dev.offpool (OffPool, PoolStats...); dev.offpool.examples and other
        // subpackages that are not offpool's runtime are ordinary applications.
        return className.startsWith(OFFPOOL_API_PACKAGE)
                && className.indexOf('.', OFFPOOL_API_PACKAGE.length()) < 0;
    }

    /**
     * Checks one pattern's form.
     *
     * @param pattern the pattern
     * @return null if it is well formed, else what is wrong with it
     */
    static String problemWith(String pattern) {
        if (pattern.isEmpty()) {
            return "an empty pattern";
        }
        String body = pattern.endsWith("*") ? pattern.substring(0, pattern.length() - 1) : pattern;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (!(Character.isJavaIdentifierPart(c) || c == '.')) {
                return "'" + c + "' cannot appear in a class name" + (c == '*' ? " except as the last character" : "");
            }
        }
        return null;
    }

    static boolean matchesAny(List<String> patterns, String className) {
        for (String pattern : patterns) {
            if (pattern.endsWith("*")
                    ? className.startsWith(pattern.substring(0, pattern.length() - 1))
                    : className.equals(pattern)) {
                return true;
            }
        }
        return false;
    }
}
