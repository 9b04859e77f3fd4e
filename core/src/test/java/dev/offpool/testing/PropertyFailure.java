package dev.offpool.testing;

import java.util.List;

/**
 * A property that failed, with what it takes to see the failure again: the seed of the failing try, the command that
 * replays it, and for a state machine the failing steps after shrinking. The cause is the failure itself (that of
 * the shrunk sequence, for a state machine).
 */
public final class PropertyFailure extends AssertionError {
    private static final long serialVersionUID = 1L;
    /** Longer sequences print only this many steps at each end. */
    private static final int STEPS_PRINTED_AT_EACH_END = 25;

    private final long seed;
    private final int tryNumber;
    private final transient Shrinking shrinking;

    /**
     * The failing steps of a state machine.
     *
     * @param steps the descriptions of the failing steps, shrunk
     * @param originalStepCount the number of steps the try had taken when it failed
     * @param replays how many shorter sequences shrinking ran
     * @param note how shrinking went, in a few words, for the message
     */
    record Shrinking(List<String> steps, int originalStepCount, int replays, String note) {
        Shrinking {
            steps = List.copyOf(steps);
        }
    }

    /**
     * @param shrinking the failing steps, or null for a property that is not a state machine
     */
    PropertyFailure(String property, long seed, int tryNumber, int tries, Shrinking shrinking, Throwable cause) {
        super(message(property, seed, tryNumber, tries, shrinking, cause), cause);
        this.seed = seed;
        this.tryNumber = tryNumber;
        this.shrinking = shrinking;
    }

    /**
     * The seed of the failing try.
     *
     * @return the seed; {@code -Doffpool.seed} set to it runs that try again
     */
    public long seed() {
        return seed;
    }

    /**
     * Which try failed.
     *
     * @return the number of the failing try, from 1
     */
    public int tryNumber() {
        return tryNumber;
    }

    /**
     * The failing steps after shrinking.
     *
     * @return their descriptions in order; empty for a property that is not a state machine
     */
    public List<String> steps() {
        return shrinking == null ? List.of() : shrinking.steps();
    }

    /**
     * How long the failing try was.
     *
     * @return the number of steps it had taken when it failed, before shrinking; 0 for a property that is not a
     *         state machine
     */
    public int originalStepCount() {
        return shrinking == null ? 0 : shrinking.originalStepCount();
    }

    /**
     * How much shrinking ran.
     *
     * @return the number of shorter sequences run while shrinking
     */
    public int shrinkReplays() {
        return shrinking == null ? 0 : shrinking.replays();
    }

    private static String message(String property, long seed, int tryNumber, int tries, Shrinking shrinking,
            Throwable cause) {
        StringBuilder text = new StringBuilder();
        text.append(property).append(" failed on try ").append(tryNumber).append(" of ").append(tries)
                .append(", seed ").append(Seeds.format(seed)).append('\n');
        text.append("replay: ").append(Seeds.replayCommand(property, seed)).append('\n');
        if (shrinking != null) {
            List<String> steps = shrinking.steps();
            text.append("failing steps (").append(shrinking.note()).append("):\n");
            for (int i = 0; i < steps.size(); i++) {
                if (i == STEPS_PRINTED_AT_EACH_END && steps.size() > 2 * STEPS_PRINTED_AT_EACH_END) {
                    text.append("    ... ").append(steps.size() - 2 * STEPS_PRINTED_AT_EACH_END).append(" more\n");
                    i = steps.size() - STEPS_PRINTED_AT_EACH_END;
                }
                text.append(String.format("%7d. %s%n", i + 1, steps.get(i)));
            }
        }
        text.append("failure: ").append(cause);
        return text.toString();
    }
}
