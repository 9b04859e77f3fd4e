package dev.offpool.internal;

import dev.offpool.OffPool;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * {@code -Doffpool.stats=exit}: every allocator's stats table ({@link dev.offpool.PoolStats#toTable()}) at the
 * JVM's exit, for an application that uses the API and has no JMX or JFR at hand; an allocator closed earlier prints
 * its table as it closes, since a closed allocator has no stats left.
 *
 * <p>{@code exit} prints to standard error; {@code exit:FILE} appends to {@code FILE} instead (created if absent).
 * Without the property nothing is tracked and no hook is installed: each new allocator costs one property read. A
 * value of any other form makes the allocator's creation throw {@link IllegalArgumentException} naming it, as the
 * other {@code offpool.*} properties do. The tables are written by one shutdown hook, {@code offpool-stats}; tracking
 * holds allocators weakly, so it never keeps one from being collected.
 */
public final class StatsAtExit {
    /** The system property. */
    public static final String PROPERTY = "offpool.stats";
    private static final String EXIT = "exit";

    /** Allocators created with the property set, alive; guarded by itself. */
    private static final Set<OffPool> ALLOCATORS = Collections.newSetFromMap(new WeakHashMap<>());
    private static boolean hookInstalled;

    private StatsAtExit() {
    }

    /**
     * Includes {@code pool} in the tables at exit if the property asks for them.
     *
     * @param pool a new allocator
     * @throws IllegalArgumentException if the property is set to anything but {@code exit} or {@code exit:FILE}
     */
    public static void track(OffPool pool) {
        String value = System.getProperty(PROPERTY);
        if (value == null) {
            return;
        }
        target(value);
        synchronized (ALLOCATORS) {
            ALLOCATORS.add(pool);
            if (!hookInstalled) {
                Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("offpool-stats").unstarted(
                        StatsAtExit::writeAll));
                hookInstalled = true;
            }
        }
    }

    /**
     * Writes {@code pool}'s table now, if it is tracked: it is about to close. Called by {@link OffPool#close()}
     * while the allocator is still open.
     *
     * @param pool an allocator about to close
     */
    public static void closing(OffPool pool) {
        boolean tracked;
        synchronized (ALLOCATORS) {
            tracked = ALLOCATORS.remove(pool);
        }
        if (tracked) {
            write(List.of(pool), "at close");
        }
    }

    private static void writeAll() {
        List<OffPool> open = new ArrayList<>();
        synchronized (ALLOCATORS) {
            open.addAll(ALLOCATORS);
        }
        open.sort((a, b) -> a.name().compareTo(b.name()));
        write(open, "at exit");
    }

    private static void write(List<OffPool> pools, String when) {
        StringBuilder out = new StringBuilder();
        for (OffPool pool : pools) {
            try {
                String table = pool.stats().toTable();
                out.append("=== offpool stats ").append(when).append(": ").append(pool.name()).append(" ===")
                        .append(System.lineSeparator()).append(table).append(System.lineSeparator());
            } catch (IllegalStateException closedMeanwhile) {
                // closed by another thread since: its table went out as it closed
            }
        }
        if (out.isEmpty()) {
            return;
        }
        Path file = target(System.getProperty(PROPERTY, EXIT));
        if (file == null) {
            PrintStream err = System.err;
            err.print(out);
            err.flush();
            return;
        }
        try {
            Files.writeString(file, out, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("offpool: cannot write the stats to " + file + " (" + e + "); here they are:");
            System.err.print(out);
        }
    }

    /** {@return the file {@code value} names, null for standard error} */
    private static Path target(String value) {
        if (value.equals(EXIT)) {
            return null;
        }
        if (value.startsWith(EXIT + ":") && value.length() > EXIT.length() + 1) {
            try {
                return Path.of(value.substring(EXIT.length() + 1)).toAbsolutePath();
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("system property " + PROPERTY + " names no file: " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("system property " + PROPERTY + " must be exit or exit:FILE, was \""
                + value + "\"");
    }
}
