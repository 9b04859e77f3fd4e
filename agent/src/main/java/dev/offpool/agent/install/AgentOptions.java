package dev.offpool.agent.install;

import dev.offpool.agent.redirect.CallSites;
import dev.offpool.agent.redirect.RedirectConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The agent's options, read once at start from {@code -javaagent:offpool-agent.jar=key=value,key=value} and from
 * {@code -Doffpool.agent.key=value} system properties (the {@code -javaagent} argument wins where both set a key).
 * agent/README.md has the table; {@link #USAGE} is the same table in one message.
 *
 * @param enabled             false: the agent does nothing at all
 * @param selection           which classes are instrumented
 * @param minBytes            the smallest request redirected
 * @param maxBytes            the largest request redirected
 * @param slabMaxBytes        the largest request carved from a thread's slab; 0: none
 * @param passThrough         pass-through helpers, as {@code binary.ClassName.method}: methods that allocate for
 *                            their callers; a static one's buffers are counted at its instrumented callers
 * @param alwaysRedirect      patterns of classes whose sites are always redirected
 * @param neverRedirect       patterns of classes whose sites always stay on the JDK's path (accounted)
 * @param reportIntervalMillis how often the report is written; 0 only at exit
 * @param reportTo            {@code stderr} or a file path
 * @param honourInvokeCleaner whether {@code Unsafe.invokeCleaner} call sites free redirected buffers
 * @param sites               whether each call site keeps counters
 * @param regionScope         {@code bufferScope=region}: buffers are bound to their region's scope (default
 *                            {@code global})
 * @param jmx                 whether the JMX beans are registered
 * @param map                 where the occupancy map is written, or null
 */
record AgentOptions(boolean enabled, ClassSelection selection, int minBytes, int maxBytes, int slabMaxBytes,
                    List<String> passThrough, List<String> alwaysRedirect, List<String> neverRedirect,
                    long reportIntervalMillis, String reportTo, boolean honourInvokeCleaner,
                    boolean sites, boolean regionScope, boolean jmx, String map) {

    /** The prefix of the system properties that set options. */
    static final String PROPERTY_PREFIX = "offpool.agent.";
    /** Default {@code exclude}: the JDK's packages. */
    static final String DEFAULT_EXCLUDE = "java.*:javax.*:jdk.*:sun.*:com.sun.*";
    /** Default {@code maxBytes}: the large tier's largest block; above it every block is a mapping of its own. */
    static final int DEFAULT_MAX_BYTES = 1 << 20;
    /**
     * Default {@code passThrough}: Jetty 12's buffer helpers, which every Jetty allocation goes through, and Netty
     * 4.2's ({@code PlatformDependent.allocateDirect}, called by its allocators, which reaches
     * {@code CleanerJava9.allocate} through an interface).
     */
    static final String DEFAULT_PASS_THROUGH = "org.eclipse.jetty.util.BufferUtil.allocate"
            + ":org.eclipse.jetty.util.BufferUtil.allocateDirect"
            + ":io.netty.util.internal.PlatformDependent.allocateDirect"
            + ":io.netty.util.internal.CleanerJava9.allocate";

    /** Every key, its form and its default, as the error message lists them. */
    static final String USAGE = """
            Options, as -javaagent:offpool-agent.jar=key=value,key=value or -Doffpool.agent.key=value
            (key:value is the same as key=value, and the form for jcmd <pid> JVMTI.agent_load JAR key:value):
              enabled=true|false                 redirect at all (default true)
              include=PATTERN[:PATTERN...]       classes whose call sites are redirected (default *)
              exclude=PATTERN[:PATTERN...]       classes left alone (default java.*:javax.*:jdk.*:sun.*:com.sun.*)
                                                 PATTERN: a class name, or a prefix ending in *, or *
              minBytes=SIZE                      smallest request redirected (default 1)
              maxBytes=SIZE                      largest request redirected (default 1m)
              slabMaxBytes=SIZE                  largest request carved from a thread's 32 KiB slab, 0..4k; its
                                                 memory returns with the slab's (default 512; 0: none)
                                                 SIZE: a whole number of bytes, or with a suffix k, m or g (1024-based)
              passThrough=CLASS.METHOD[:...]     helpers that allocate for their callers: buffers are counted
                                                 (and decided) at the callers of a static one (default Jetty's
                                                 BufferUtil.allocate, .allocateDirect and Netty's
                                                 PlatformDependent.allocateDirect, CleanerJava9.allocate; empty:
                                                 none)
              alwaysRedirect=PATTERN[:PATTERN...] classes whose sites are always redirected (default none)
              neverRedirect=PATTERN[:PATTERN...] classes whose sites stay on the JDK's path, accounted (default
                                                 none); other sites are decided from their buffers' lifetimes
              report=DURATION                    report interval, 0 = only at exit (default 0)
                                                 DURATION: 0, or a whole number with ms, s or m
              reportTo=stderr|PATH               where reports go (default stderr); a file is appended to
              honourInvokeCleaner=true|false     Unsafe.invokeCleaner frees redirected buffers (default true)
              sites=true|false                   per-call-site accounting (default true)
              bufferScope=global|region          global: unscoped, like the JDK's own (default); region: bound
                                                 to the scope of their block's region
              jmx=true|false                     register the JMX beans of the global allocator and the agent,
                                                 a second after start (default true)
              map=PATH                           write the occupancy map (HTML) there at exit and with every
                                                 periodic report (default: none)
            Redirected and JDK direct buffers share one limit: the JDK's, -XX:MaxDirectMemorySize or its default.""";

    private static final List<String> KEYS = List.of("enabled", "include", "exclude", "minBytes", "maxBytes",
            "slabMaxBytes", "passThrough", "alwaysRedirect", "neverRedirect", "report", "reportTo",
            "honourInvokeCleaner", "sites", "bufferScope", "jmx", "map");

    /**
     * Reads the options.
     *
     * @param agentArgs  the text after {@code =} in {@code -javaagent}, or null
     * @param properties the system properties; those starting with {@code offpool.agent.} are options too
     * @return the options, with defaults for every key not given
     * @throws AgentOptionException naming the first malformed option, with {@link #USAGE}
     */
    static AgentOptions parse(String agentArgs, Properties properties) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith(PROPERTY_PREFIX)) {
                put(values, name.substring(PROPERTY_PREFIX.length()), properties.getProperty(name),
                        "-D" + name + "=" + properties.getProperty(name));
            }
        }
        if (agentArgs != null && !agentArgs.isBlank()) {
            for (String entry : agentArgs.split(",", -1)) {
                int eq = separator(entry);
                if (eq <= 0) {
                    throw new AgentOptionException("'" + entry + "' is not key=value (the agent received '"
                            + agentArgs + "'; jcmd's JVMTI.agent_load cuts its option at '=': write key:value"
                            + " there, such as report:10s)");
                }
                put(values, entry.substring(0, eq).trim(), entry.substring(eq + 1).trim(), entry);
            }
        }
        Reader reader = new Reader(values);
        boolean enabled = reader.bool("enabled", true);
        ClassSelection selection = new ClassSelection(reader.patterns("include", "*"),
                reader.patterns("exclude", DEFAULT_EXCLUDE));
        int minBytes = (int) reader.size("minBytes", 1, 1, Integer.MAX_VALUE);
        int maxBytes = (int) reader.size("maxBytes", DEFAULT_MAX_BYTES, 1, Integer.MAX_VALUE);
        if (maxBytes < minBytes) {
            throw new AgentOptionException("maxBytes=" + maxBytes + " is below minBytes=" + minBytes);
        }
        int slabMaxBytes = (int) reader.size("slabMaxBytes", RedirectConfig.DEFAULT_SLAB_MAX_BYTES, 0,
                RedirectConfig.MAX_SLAB_MAX_BYTES);
        List<String> passThrough = reader.methods("passThrough", DEFAULT_PASS_THROUGH);
        List<String> always = reader.patterns("alwaysRedirect", "");
        List<String> never = reader.patterns("neverRedirect", "");
        long report = reader.duration("report", 0);
        String reportTo = reader.text("reportTo", "stderr");
        boolean honour = reader.bool("honourInvokeCleaner", true);
        boolean sites = reader.bool("sites", true);
        boolean regionScope = reader.choice("bufferScope", "global", "global", "region").equals("region");
        boolean jmx = reader.bool("jmx", true);
        String map = values.containsKey("map") ? reader.text("map", null) : null;
        return new AgentOptions(enabled, selection, minBytes, maxBytes, slabMaxBytes, passThrough, always, never,
                report, reportTo,
                honour,
                sites, regionScope, jmx, map);
    }

    /** {@return the pass-through helpers as {@code internal/ClassName.method}} */
    java.util.Set<String> passThroughInternalNames() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String helper : passThrough) {
            int dot = helper.lastIndexOf('.');
            names.add(helper.substring(0, dot).replace('.', '/') + helper.substring(dot));
        }
        return names;
    }

    /**
     * {@return the mode the user forced for a class's call sites} {@code neverRedirect} wins where both match.
     *
     * @param className the class's binary name
     */
    CallSites.Forced forcedFor(String className) {
        if (ClassSelection.matchesAny(neverRedirect, className)) {
            return CallSites.Forced.JDK;
        }
        return ClassSelection.matchesAny(alwaysRedirect, className) ? CallSites.Forced.REDIRECT : CallSites.Forced.NO;
    }

    /**
     * {@return where an option's key ends: at its first {@code =} or {@code :}, whichever comes first, or -1}
     * {@code key:value} is the form that survives {@code jcmd <pid> JVMTI.agent_load}, whose parser takes
     * {@code key=value} for one of its own arguments.
     */
    private static int separator(String entry) {
        int eq = entry.indexOf('=');
        int colon = entry.indexOf(':');
        return eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
    }

    private static void put(Map<String, String> values, String key, String value, String as) {
        if (key.equals("limit")) {
            throw new AgentOptionException("'" + as + "': the agent has no limit of its own any more: redirected and"
                    + " JDK direct buffers share the JDK's, set with -XX:MaxDirectMemorySize");
        }
        if (!KEYS.contains(key)) {
            throw new AgentOptionException("'" + as + "': unknown key '" + key + "'");
        }
        values.put(key, value);
    }

    /** Reads typed values, naming the key and value in every complaint. */
    private record Reader(Map<String, String> values) {
        boolean bool(String key, boolean otherwise) {
            String value = values.get(key);
            if (value == null) {
                return otherwise;
            }
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw bad(key, value, "not true or false");
            };
        }

        String choice(String key, String otherwise, String... choices) {
            String value = values.get(key);
            if (value == null) {
                return otherwise;
            }
            for (String choice : choices) {
                if (choice.equalsIgnoreCase(value)) {
                    return choice;
                }
            }
            throw bad(key, value, "not one of " + String.join(", ", choices));
        }

        String text(String key, String otherwise) {
            String value = values.get(key);
            if (value == null) {
                return otherwise;
            }
            if (value.isEmpty()) {
                throw bad(key, value, "empty");
            }
            return value;
        }

        List<String> patterns(String key, String otherwise) {
            String value = values.getOrDefault(key, otherwise);
            if (value.isEmpty()) {
                return List.of();
            }
            List<String> patterns = new ArrayList<>();
            for (String pattern : Arrays.asList(value.split(":", -1))) {
                String problem = ClassSelection.problemWith(pattern.trim());
                if (problem != null) {
                    throw bad(key, value, "pattern '" + pattern + "': " + problem);
                }
                patterns.add(pattern.trim());
            }
            return patterns;
        }

        List<String> methods(String key, String otherwise) {
            String value = values.getOrDefault(key, otherwise);
            if (value.isEmpty()) {
                return List.of();
            }
            List<String> methods = new ArrayList<>();
            for (String method : value.split(":", -1)) {
                String name = method.trim();
                int dot = name.lastIndexOf('.');
                String problem = dot <= 0 || dot == name.length() - 1 ? "not CLASS.METHOD" : name.contains("*")
                        ? "no '*' in a helper's name" : ClassSelection.problemWith(name.substring(0, dot));
                if (problem == null && !Character.isJavaIdentifierStart(name.charAt(dot + 1))) {
                    problem = "'" + name.substring(dot + 1) + "' is not a method name";
                }
                if (problem != null) {
                    throw bad(key, value, "helper '" + method + "': " + problem);
                }
                methods.add(name);
            }
            return methods;
        }

        long size(String key, long otherwise, long min, long max) {
            String value = values.get(key);
            if (value == null) {
                return otherwise;
            }
            String digits = value.toLowerCase(Locale.ROOT);
            int shift = switch (digits.isEmpty() ? ' ' : digits.charAt(digits.length() - 1)) {
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                default -> 0;
            };
            if (shift > 0) {
                digits = digits.substring(0, digits.length() - 1);
            }
            long number;
            try {
                number = Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw bad(key, value, "not a size (a whole number of bytes, or with k, m or g)");
            }
            if (number < 0 || number > (Long.MAX_VALUE >> shift)) {
                throw bad(key, value, "out of range " + min + ".." + max);
            }
            long bytes = number << shift;
            if (bytes < min || bytes > max) {
                throw bad(key, value, "out of range " + min + ".." + max + " bytes");
            }
            return bytes;
        }

        long duration(String key, long otherwiseMillis) {
            String value = values.get(key);
            if (value == null) {
                return otherwiseMillis;
            }
            String text = value.toLowerCase(Locale.ROOT);
            long unitMillis;
            String digits;
            if (text.equals("0")) {
                return 0;
            } else if (text.endsWith("ms")) {
                unitMillis = 1;
                digits = text.substring(0, text.length() - 2);
            } else if (text.endsWith("s")) {
                unitMillis = 1000;
                digits = text.substring(0, text.length() - 1);
            } else if (text.endsWith("m")) {
                unitMillis = 60_000;
                digits = text.substring(0, text.length() - 1);
            } else {
                throw bad(key, value, "not a duration (0, or a whole number with ms, s or m)");
            }
            try {
                long number = Long.parseLong(digits);
                if (number < 0 || number > Long.MAX_VALUE / unitMillis) {
                    throw bad(key, value, "out of range");
                }
                return number * unitMillis;
            } catch (NumberFormatException e) {
                throw bad(key, value, "not a duration (0, or a whole number with ms, s or m)");
            }
        }

        private static AgentOptionException bad(String key, String value, String why) {
            return new AgentOptionException("'" + key + "=" + value + "': " + why);
        }
    }

    /** A malformed option: the message names it and lists every key with its form. */
    static final class AgentOptionException extends IllegalArgumentException {
        AgentOptionException(String problem) {
            super("offpool agent: bad option " + problem + "\n" + USAGE);
        }
    }
}
