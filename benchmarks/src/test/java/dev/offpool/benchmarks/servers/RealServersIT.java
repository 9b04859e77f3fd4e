package dev.offpool.benchmarks.servers;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real servers under the agent, as servers.sh runs them but short: each server's JVM (the toolchain's
 * {@code java}, {@code benchmarks.jar}, the packaged agent) answers a few hundred requests on every endpoint; every
 * body must be byte-exact, and the agent's report at exit must show redirected buffers and no fallback storm. Runs
 * after {@code package} (failsafe), which built both jars.
 */
class RealServersIT {
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final Path AGENT_JAR = Path.of(required("offpool.agent.jar"));
    private static final Path BENCHMARKS_JAR = Path.of(required("offpool.benchmarks.jar"));
    private static final int REQUESTS_PER_ENDPOINT = 200;
    private static final int CLIENT_THREADS = 4;
    private static final long START_TIMEOUT_SECONDS = 60;
    private static final long STOP_TIMEOUT_SECONDS = 30;
    /** "No fallback storm": requests given back to the JDK's path stay below a tenth of the redirected ones. */
    private static final long MAX_FELL_BACK_PER_REDIRECTED = 10;

    /**
     * A server configuration of servers.sh whose buffers churn per request. Jetty's non-pooling buffers are
     * {@code allocateDirect} calls the agent redirects; Netty without {@code Unsafe} takes its own buffers from
     * {@code malloc} through the FFM linker, so there only the server's {@code /direct16k} buffers are redirected.
     */
    record Server(String name, String mainClass, List<String> jvmFlags, List<String> options) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Server> servers() {
        return List.of(
                new Server("jetty-non-pooling", JettyServer.class.getName(), List.of(),
                        List.of("--pool", "non-pooling")),
                new Server("netty-unpooled", NettyServer.class.getName(),
                        List.of("-Dio.netty.noUnsafe=true", "-Dio.netty.allocator.type=unpooled"), List.of()));
    }

    @ParameterizedTest
    @MethodSource("servers")
    void everyBodyIsByteExactUnderTheAgentAndFewRequestsFallBack(Server server, @TempDir Path directory)
            throws Exception {
        Path report = directory.resolve("agent-report.txt");
        Path stdout = directory.resolve("stdout.txt");
        Path stderr = directory.resolve("stderr.txt");
        List<String> command = new ArrayList<>(List.of(JAVA.toString(), "--enable-native-access=ALL-UNNAMED",
                "-Xmx256m", "-XX:-PrintWarnings"));
        command.addAll(server.jvmFlags());
        command.add("-javaagent:" + AGENT_JAR + "=reportTo=" + report);
        command.addAll(List.of("-cp", BENCHMARKS_JAR.toString(), server.mainClass(), "--port", "0"));
        command.addAll(server.options());
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                .start();
        try {
            int port = awaitPort(process, stdout, stderr);
            requestEveryEndpoint(port, () -> output(stdout, stderr));
        } finally {
            process.destroy();
            if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                fail(server + " did not stop within " + STOP_TIMEOUT_SECONDS + " s of SIGTERM:\n"
                        + output(stdout, stderr));
            }
        }
        assertTrue(Files.exists(report), () -> "the agent wrote no report at exit:\n" + output(stdout, stderr));
        AgentCounters counters = AgentCounters.parse(Files.readString(report));
        String why = server + ": " + counters + "\n" + Files.readString(report);
        assertTrue(counters.redirected() > 0, () -> "nothing was redirected; " + why);
        assertTrue(counters.fellBack() * MAX_FELL_BACK_PER_REDIRECTED <= counters.redirected(),
                () -> "a fallback storm; " + why);
    }

    /** Sends {@link #REQUESTS_PER_ENDPOINT} requests to each endpoint from a few threads and checks every answer. */
    private static void requestEveryEndpoint(int port, OutputSupplier serverOutput) throws Exception {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
             ExecutorService threads = Executors.newFixedThreadPool(CLIENT_THREADS)) {
            List<Future<?>> answers = new ArrayList<>();
            for (Endpoint endpoint : Endpoint.values()) {
                byte[] expected = endpoint.bodyBytesCopy();
                HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + endpoint.path())).timeout(Duration.ofSeconds(30));
                if (endpoint.method().equals("POST")) {
                    builder.POST(HttpRequest.BodyPublishers.ofByteArray(expected));
                }
                HttpRequest request = builder.build();
                for (int i = 0; i < REQUESTS_PER_ENDPOINT; i++) {
                    answers.add(threads.submit(() -> {
                        HttpResponse<byte[]> response = client.send(request,
                                HttpResponse.BodyHandlers.ofByteArray());
                        assertEquals(200, response.statusCode(), () -> endpoint.path() + ": status\n"
                                + serverOutput.get());
                        byte[] body = response.body();
                        assertEquals(-1, Arrays.mismatch(expected, body), () -> endpoint.path() + ": "
                                + body.length + " bytes, expected " + expected.length + "; first difference at "
                                + Arrays.mismatch(expected, body));
                        return null;
                    }));
                }
            }
            for (Future<?> answer : answers) {
                answer.get();
            }
        }
    }

    private static int awaitPort(Process process, Path stdout, Path stderr) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(stdout)) {
                int port = Listening.port(line);
                if (port > 0) {
                    return port;
                }
            }
            if (!process.isAlive()) {
                fail("the server ended (exit " + process.exitValue() + ") before listening:\n"
                        + output(stdout, stderr));
            }
            Thread.sleep(100);
        }
        return fail("the server did not print LISTENING within " + START_TIMEOUT_SECONDS + " s:\n"
                + output(stdout, stderr));
    }

    private static String output(Path stdout, Path stderr) {
        try {
            return "--- stdout ---\n" + Files.readString(stdout) + "--- stderr ---\n" + Files.readString(stderr);
        } catch (IOException e) {
            return "(cannot read the server's output: " + e + ")";
        }
    }

    /** The server's output, read when an assertion fails. */
    @FunctionalInterface
    private interface OutputSupplier {
        String get();
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException(property + " is not set: run the *IT tests through Maven (failsafe)");
        }
        return value;
    }
}
