package dev.offpool.agent.redirect;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes the report every {@code reportIntervalMillis} (on a daemon thread) and once at exit (from a shutdown hook),
 * to standard error or appended to a file. A write that fails is reported once on standard error and never stops
 * the program.
 */
final class ReportWriter {
    private final Redirector redirector;
    private final String destination;
    private volatile boolean failed;

    private ReportWriter(Redirector redirector, String destination) {
        this.redirector = redirector;
        this.destination = destination;
    }

    static void start(Redirector redirector, RedirectConfig config) {
        ReportWriter writer = new ReportWriter(redirector, config.reportTo());
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

    private synchronized void write(String when) {
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
