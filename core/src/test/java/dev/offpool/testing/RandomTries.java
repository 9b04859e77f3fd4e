package dev.offpool.testing;

import java.util.Objects;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Runs a property a number of times, each try on values drawn from a seed of its own, and names the seed of a
 * failing try so that it can be run again.
 *
 * <pre>{@code
 * @Test
 * void searchesAgreeWithABitSet() {
 *     RandomTries.run(200, draw -> {
 *         GranuleBitmap bitmap = new GranuleBitmap(draw.intBetween(1, 300_000));
 *         ...   // act on it and assert, drawing every input from draw
 *     });
 * }
 * }</pre>
 *
 * <h2>Seeds and replay</h2>
 * Each run starts from a fresh seed, so repeated runs explore new inputs. A failing try throws a
 * {@link PropertyFailure} whose message names the property, the try's seed, and the command that replays it:
 * <pre>
 * mvn -B -pl core -am test -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dtest='GranuleBitmapProperties#searchesAgreeWithABitSet' -Doffpool.seed=0x5e1f0c3a9d2b7e41
 * </pre>
 * With the system property {@code offpool.seed} set ({@code 0x} and hex digits as printed, or a decimal long), every
 * property runs one try, from that seed, instead of its usual count. {@link #replay} does the same from code.
 * A property must draw every input from its {@link Draw} (a {@code SplittableRandom} of its own is seeded from
 * {@link Draw#anyLong()}) for its seed to reproduce it.
 *
 * <p>Properties here are not shrunk: a state machine's step sequence is, see {@link StateMachine}.
 */
public final class RandomTries {
    private RandomTries() {
    }

    /**
     * Runs {@code tries} tries of {@code property}, each with a {@link Draw} from its own seed, or one try from the
     * seed in {@code -Doffpool.seed} when that is set.
     *
     * @param tries how many tries to run
     * @param property the property: it draws its inputs from the {@code Draw} and throws (an assertion fails) when
     *                 it does not hold
     * @return the number of tries run: {@code tries}, or 1 when replaying a seed
     * @throws IllegalArgumentException if {@code tries <= 0}, or {@code -Doffpool.seed} is set but is not a seed
     * @throws PropertyFailure if a try throws; the first failing try ends the run
     */
    public static int run(int tries, Consumer<Draw> property) {
        if (tries <= 0) {
            throw new IllegalArgumentException("tries must be positive: " + tries);
        }
        Objects.requireNonNull(property, "property");
        String name = Seeds.caller();
        OptionalLong replay = Seeds.replaySeed();
        if (replay.isPresent()) {
            runTry(name, replay.getAsLong(), 1, 1, property);
            return 1;
        }
        SplittableRandom run = Seeds.newRun();
        for (int t = 1; t <= tries; t++) {
            runTry(name, run.nextLong(), t, tries, property);
        }
        return tries;
    }

    /**
     * Runs one try of {@code property} from {@code seed}, as {@code -Doffpool.seed} does.
     *
     * @param seed the seed of the try, as a {@link PropertyFailure} gives it
     * @param property the property
     * @throws PropertyFailure if the try throws
     */
    public static void replay(long seed, Consumer<Draw> property) {
        Objects.requireNonNull(property, "property");
        runTry(Seeds.caller(), seed, 1, 1, property);
    }

    private static void runTry(String name, long seed, int tryNumber, int tries, Consumer<Draw> property) {
        try {
            property.accept(new Draw(seed));
        } catch (Throwable failure) {
            throw new PropertyFailure(name, seed, tryNumber, tries, null, failure);
        }
    }
}
