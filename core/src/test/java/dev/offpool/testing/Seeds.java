package dev.offpool.testing;

import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Where the runners' seeds come from, how they are written, and the command that replays one. */
final class Seeds {
    /** The system property that replays one try: {@code -Doffpool.seed=0x...} (hex) or a signed decimal long. */
    static final String PROPERTY = "offpool.seed";

    private static final Pattern LAMBDA_BODY = Pattern.compile("lambda\\$(.+)\\$\\d+");
    private static final Set<Class<?>> RUNNER_CLASSES = Set.of(Seeds.class, RandomTries.class, StateMachine.class);

    private Seeds() {
    }

    /**
     * The seed to replay, if {@value #PROPERTY} is set.
     *
     * @throws IllegalArgumentException if the property is set but is not a seed
     */
    static OptionalLong replaySeed() {
        String text = System.getProperty(PROPERTY);
        return text == null || text.isBlank() ? OptionalLong.empty() : OptionalLong.of(parse(text));
    }

    /**
     * Reads a seed as {@link #format} writes it ({@code 0x} and up to 16 hex digits) or as a signed decimal long.
     *
     * @throws IllegalArgumentException naming the text, if it is neither
     */
    static long parse(String text) {
        String trimmed = text.strip();
        try {
            if (trimmed.startsWith("0x") || trimmed.startsWith("0X")) {
                return Long.parseUnsignedLong(trimmed.substring(2), 16);
            }
            return Long.parseLong(trimmed);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + text
                    + " is not a seed: expected 0x and up to 16 hex digits, or a decimal long", e);
        }
    }

    /** Writes a seed as {@code 0x} and 16 hex digits, the form failures print and {@link #parse} reads. */
    static String format(long seed) {
        return String.format("0x%016x", seed);
    }

    /** A run's first seed: different on every run, so that repeated runs explore new inputs. */
    static SplittableRandom newRun() {
        return new SplittableRandom();
    }

    /**
     * {@code SimpleClassName#method} of the test that called a runner, as surefire's {@code -Dtest} takes it. A call
     * from a lambda (inside {@code assertThrows}, say) names the method the lambda is written in.
     */
    static String caller() {
        return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
                .filter(f -> !RUNNER_CLASSES.contains(f.getDeclaringClass().getNestHost()))
                .findFirst()
                .map(f -> f.getDeclaringClass().getSimpleName() + "#" + enclosingMethod(f.getMethodName()))
                .orElse("unknown"));
    }

    /** javac names a lambda's body {@code lambda$<method it is written in>$<n>}. */
    private static String enclosingMethod(String methodName) {
        Matcher lambda = LAMBDA_BODY.matcher(methodName);
        return lambda.matches() ? lambda.group(1) : methodName;
    }

    /** The Maven command that runs only {@code property}, one try, from {@code seed}. */
    static String replayCommand(String property, long seed) {
        // Surefire runs tests in the module's folder, whose name is what -pl takes. Nothing is installed in the local
        // repository, so -am builds the modules it depends on, which must not fail for running none of their tests.
        Path module = Path.of(System.getProperty("user.dir")).getFileName();
        return "mvn -B -pl " + module + " -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest='" + property
                + "' -D" + PROPERTY + "=" + format(seed);
    }
}
