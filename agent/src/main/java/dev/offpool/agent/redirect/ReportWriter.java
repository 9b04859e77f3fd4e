package dev.offpool.agent.redirect;

import dev.offpool.OffPool;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes the report every {@code reportIntervalMillis} (on a daemon thread) and once at exit (from a shutdown hook),
 * to standard error or appended to a file; with {@code map=PATH}, the global allocator's occupancy map too, replacing
 * the file each time. A write that fails is reported once on standard error and never stops the program.
 */
final class ReportWriter {
    private final Redirector redirector;
    private final String destination;
    private final String mapTo;
    /** The running agent's writer, for {@link #writeNow}; set once by {@link #start}. */
    private static volatile ReportWriter running;
    private volatile boolean failed;
    private volatile boolean mapFailed;

    private ReportWriter(Redirector redirector, String destination, String mapTo) {
        this.redirector = redirector;
        this.destination = destination;
        this.mapTo = mapTo;
    }

    static void start(Redirector redirector, RedirectConfig config) {
        ReportWriter writer = new ReportWriter(redirector, config.reportTo(), config.mapTo());
        running = writer;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> writer.write("at exit"), "offpool-agent-exit-report"));
        long interval = config.reportIntervalMillis();
        if (interval > 0) {
            Thread.ofPlatform().daemon().name("offpool-agent-report").start(() -> {
                while (true) {
                    try {
                        Thread.sleep(interval);
                    } catch (InterruptedException e) {
                        return;
                    }
                    writer.write("every " + interval + " ms");
                }
            });
        }
    }

    /**
     * Writes the report now, where the periodic ones go: what attaching the agent again with {@code report=now}
     * asks for.
     *
     * @return false if the agent has not started
     */
    static boolean writeNow() {
        ReportWriter writer = running;
        if (writer == null) {
            return false;
        }
        writer.write("on request");
        return true;
    }

    // The page is written whole to a temporary file beside the target, then moved over it, so a browser reloading it
    // never reads half a page.
    private void writeMap() {
        try {
            Path target = Path.of(mapTo).toAbsolutePath();
            Path partial = target.resolveSibling(target.getFileName() + ".partial");
            try (Writer out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
                OffPool.global().occupancy().writeHtml(out);
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            if (!mapFailed) {
                mapFailed = true;
                System.err.println("offpool agent: cannot write the occupancy map to " + mapTo + ": " + e);
            }
        }
    }

    private synchronized void write(String when) {
        if (mapTo != null) {
            writeMap();
        }
        String text;
        try {
            text = RedirectReport.text(redirector, when);
        } catch (RuntimeException e) {
            text = "offpool agent: report failed: " + e + "\n";
        }
        if (RedirectConfig.STDERR.equals(destination)) {
            PrintStream err = System.err;
            err.print(text);
            err.flush();
            return;
        }
        try {
            Files.writeString(Path.of(destination), text + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException | RuntimeException e) {
            if (!failed) {
                failed = true;
                System.err.println("offpool agent: cannot write the report to " + destination + ": " + e);
            }
        }
    }
}
