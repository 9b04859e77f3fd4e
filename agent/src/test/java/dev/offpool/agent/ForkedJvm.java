package dev.offpool.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs a test app (package {@code com.example.bufferapps}) in a JVM of its own, the toolchain's {@code java}, with
 * the packaged agent jar, and captures what it prints. The app's class path is the test classes only: offpool's
 * classes reach it through the agent, as they would reach any application.
 */
final class ForkedJvm {
    static final Path AGENT_JAR = Path.of(required("offpool.agent.jar"));
    static final Path APP_CLASSES = Path.of(required("offpool.test.appClasses"));
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final long TIMEOUT_SECONDS = 90;

    private final List<String> jvmOptions = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED",
            "-Xmx256m", "-XX:-PrintWarnings"));
    private String classPath = APP_CLASSES.toString();
    private String agentOptions = "";
    private boolean withAgent = true;

    /** The output of a run that ended. */
    record Result(int exitCode, String stdout, String stderr) {
        /** Asserts the app ran every check and none failed. */
        Result assertChecksPass() {
            assertFalse(stdout.contains(" FAILED"), () -> "a check failed:\n" + this);
            assertTrue(stdout.contains("CHECKS DONE failures=0"), () -> "the app did not finish its checks:\n" + this);
            assertEquals(0, exitCode, () -> "exit code:\n" + this);
            return this;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
        }
    }

    static ForkedJvm app() {
        return new ForkedJvm();
    }

    ForkedJvm agentOptions(String options) {
        this.agentOptions = options;
        return this;
    }

    ForkedJvm withoutAgent() {
        this.withAgent = false;
        return this;
    }

    ForkedJvm jvmOption(String option) {
        jvmOptions.add(option);
        return this;
    }

    ForkedJvm classPath(String path) {
        this.classPath = path;
        return this;
    }

    List<String> command(String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(JAVA.toString());
        command.addAll(jvmOptions);
        if (withAgent) {
            command.add("-javaagent:" + AGENT_JAR + (agentOptions.isEmpty() ? "" : "=" + agentOptions));
        }
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }

    /** Runs the app to its end and returns its output. */
    Result run(String mainClass, String... args) {
        try {
            Path out = Files.createTempFile("forked-stdout", ".txt");
            Path err = Files.createTempFile("forked-stderr", ".txt");
            Process process = new ProcessBuilder(command(mainClass, args))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                fail(mainClass + " did not end within " + TIMEOUT_SECONDS + " s:\n" + Files.readString(out)
                        + Files.readString(err));
            }
            Result result = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException(property + " is not set: run the *IT tests through Maven (failsafe)");
        }
        return value;
    }
}
