package dev.offpool.benchmarks.servers;

/**
 * The line a server prints on stdout once it accepts connections, {@code LISTENING <port>}, which
 * {@code servers.sh} and the tests wait for to learn the port.
 */
public final class Listening {
    /** The line's first word. */
    public static final String PREFIX = "LISTENING ";

    private Listening() {
    }

    /**
     * Prints the line and flushes it.
     *
     * @param port the port the server bound
     */
    static void announce(int port) {
        System.out.println(PREFIX + port);
        System.out.flush();
    }

    /**
     * {@return the port of a {@code LISTENING} line, or -1 if {@code line} is not one}
     *
     * @param line a line of a server's stdout
     */
    public static int port(String line) {
        return line.startsWith(PREFIX) ? Integer.parseInt(line.substring(PREFIX.length()).strip()) : -1;
    }
}
