package dev.offpool.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A model-based test: random sequences of steps applied to a model (which holds the system under test and what it
 * should contain), an invariant checked on the fresh model and after every step, and a failing sequence shrunk to a
 * short one that still fails.
 *
 * <pre>{@code
 * @Test
 * void heapMatchesModelAfterEveryStep() {
 *     StateMachine.Summary run = StateMachine.startingWith(Model::new)
 *             .action(6, (m, draw) -> {
 *                 int size = draw.intBetween(1, 512);
 *                 return Step.of("allocate " + size, model -> model.allocate(size));
 *             })
 *             .action(5, m -> !m.live.isEmpty(), (m, draw) -> {
 *                 int i = draw.intBetween(0, m.live.size() - 1);
 *                 return Step.of("free #" + i, model -> i < model.live.size(), model -> model.free(i));
 *             })
 *             .invariant(Model::check)
 *             .closeWith(Model::close)
 *             .run(100, 1000);
 * }
 * }</pre>
 *
 * <h2>A try</h2>
 * A try builds a model, checks the invariant on it, then takes {@code steps} steps: each picks one of the actions
 * whose precondition holds, with probability proportional to its weight, draws a {@link Step} from it, applies it and
 * checks the invariant. The model is closed at the end of every try, passed or failed; a failure to close fails a try
 * whose steps passed. A try in which no action applies fails: the actions cannot reach the step count.
 *
 * <h2>Seeds and replay</h2>
 * As for {@link RandomTries}: each try has its own seed, a failure names it with the command that replays it, and
 * {@code -Doffpool.seed=0x...} runs one try from that seed instead of the usual count ({@link #replay} from code).
 * Replaying draws the same steps as long as the model evolves as it did (the steps drawn depend on the model's state,
 * so a model whose behaviour depends on something else, such as the addresses the OS hands out, may diverge).
 *
 * <h2>Shrinking</h2>
 * A failing sequence (up to the step that failed) is rerun with chunks of it deleted, halves first, then quarters,
 * and so on down to single steps, repeated until no single deletion still fails; each rerun builds the model from the
 * same seed. A rerun counts as still failing when it throws the same class of exception. Steps that no longer apply
 * to the model are skipped. Shrinking stops after {@link #shrinkBudget} reruns (by default
 * {@value #DEFAULT_SHRINK_REPLAYS}) and reports the shortest sequence found so far. Whatever it finds, the
 * {@link PropertyFailure} lists the steps and has the rerun's failure as its cause.
 *
 * <p>A {@code StateMachine} is a mutable builder; {@link #run} may be called more than once.
 *
 * @param <M> the model type
 */
public final class StateMachine<M> {
    /** The default number of reruns shrinking may spend. */
    public static final int DEFAULT_SHRINK_REPLAYS = 500;

    private final Function<Draw, ? extends M> newModel;
    private final List<WeightedAction<M>> actions = new ArrayList<>();
    private Consumer<? super M> invariant = model -> { };
    private Consumer<? super M> close = model -> { };
    private int shrinkReplays = DEFAULT_SHRINK_REPLAYS;

    /**
     * Draws the next step for a model.
     *
     * @param <M> the model type
     */
    @FunctionalInterface
    public interface Action<M> {
        /**
         * Draws a step for the model as it is now.
         *
         * @param model the model, which the step must apply to
         * @param draw where the step's inputs come from
         * @return the step
         */
        Step<M> draw(M model, Draw draw);
    }

    /**
     * What a run did.
     *
     * @param tries the number of tries run
     * @param steps the number of steps taken over all tries
     */
    public record Summary(int tries, long steps) {
    }

    private record WeightedAction<M>(int weight, Predicate<? super M> precondition, Action<M> action) {
    }

    /** What one sequence did: the steps that ran (to the failing one) and the failure, or null. */
    private record Outcome<M>(List<Step<M>> taken, Throwable failure) {
    }

    /** The shortest failing sequence found and its failure. */
    private record Shrunk(PropertyFailure.Shrinking shrinking, Throwable failure) {
    }

    /** Where the steps of a sequence come from: drawn afresh, or an earlier sequence rerun. */
    @FunctionalInterface
    private interface StepSource<M> {
        /** The next step for the model, or null when the sequence ends. */
        Step<M> next(M model);
    }

    /** A test-definition error (no action applies, a step drawn for a model it does not apply to): not shrunk. */
    private static final class MisdefinedMachine extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        MisdefinedMachine(String message) {
            super(message);
        }
    }

    private StateMachine(Function<Draw, ? extends M> newModel) {
        this.newModel = Objects.requireNonNull(newModel, "newModel");
    }

    /**
     * A state machine whose tries start from a model {@code newModel} builds.
     *
     * @param <M> the model type
     * @param newModel builds a fresh model for each try (and each rerun while shrinking)
     * @return the builder
     * @throws NullPointerException if {@code newModel} is null
     */
    public static <M> StateMachine<M> startingWith(Supplier<? extends M> newModel) {
        Objects.requireNonNull(newModel, "newModel");
        return new StateMachine<>(draw -> newModel.get());
    }

    /**
     * A state machine whose tries start from a model built with drawn settings; reruns while shrinking get the same
     * draws, so they build the same model.
     *
     * @param <M> the model type
     * @param newModel builds a fresh model from its own {@link Draw}
     * @return the builder
     * @throws NullPointerException if {@code newModel} is null
     */
    public static <M> StateMachine<M> startingWithDrawn(Function<Draw, ? extends M> newModel) {
        return new StateMachine<>(newModel);
    }

    /**
     * Adds an action that applies to any model.
     *
     * @param weight its relative frequency among the actions that apply
     * @param action draws its step
     * @return this builder
     * @throws IllegalArgumentException if {@code weight <= 0}
     * @throws NullPointerException if {@code action} is null
     */
    public StateMachine<M> action(int weight, Action<M> action) {
        return action(weight, model -> true, action);
    }

    /**
     * Adds an action that applies only while its precondition holds.
     *
     * @param weight its relative frequency among the actions that apply
     * @param precondition whether the action applies to a model
     * @param action draws its step; called only when {@code precondition} holds
     * @return this builder
     * @throws IllegalArgumentException if {@code weight <= 0}
     * @throws NullPointerException if {@code precondition} or {@code action} is null
     */
    public StateMachine<M> action(int weight, Predicate<? super M> precondition, Action<M> action) {
        if (weight <= 0) {
            throw new IllegalArgumentException("action weight must be positive: " + weight);
        }
        actions.add(new WeightedAction<>(weight, Objects.requireNonNull(precondition, "precondition"),
                Objects.requireNonNull(action, "action")));
        return this;
    }

    /**
     * Sets the check run on each fresh model and after every step; it throws when the model and the system under
     * test disagree.
     *
     * @param invariant the check
     * @return this builder
     * @throws NullPointerException if {@code invariant} is null
     */
    public StateMachine<M> invariant(Consumer<? super M> invariant) {
        this.invariant = Objects.requireNonNull(invariant, "invariant");
        return this;
    }

    /**
     * Sets what releases a model at the end of every try and rerun, passed or failed. After passing steps its
     * failure fails the try; after a failing step it is attached to that failure as suppressed.
     *
     * @param close releases the model (and may assert that everything came back)
     * @return this builder
     * @throws NullPointerException if {@code close} is null
     */
    public StateMachine<M> closeWith(Consumer<? super M> close) {
        this.close = Objects.requireNonNull(close, "close");
        return this;
    }

    /**
     * Sets how many reruns shrinking may spend.
     *
     * @param replays the most reruns; 0 turns shrinking off
     * @return this builder
     * @throws IllegalArgumentException if {@code replays < 0}
     */
    public StateMachine<M> shrinkBudget(int replays) {
        if (replays < 0) {
            throw new IllegalArgumentException("shrink budget must not be negative: " + replays);
        }
        this.shrinkReplays = replays;
        return this;
    }

    /**
     * Runs {@code tries} tries of {@code steps} steps each, or one try from the seed in {@code -Doffpool.seed} when
     * that is set.
     *
     * @param tries how many tries to run
     * @param steps how many steps each try takes
     * @return the tries run and the steps taken
     * @throws IllegalArgumentException if {@code tries <= 0} or {@code steps < 0}, or {@code -Doffpool.seed} is set
     *                                  but is not a seed
     * @throws IllegalStateException if no action was added
     * @throws PropertyFailure if a try fails; the first failing try ends the run
     */
    public Summary run(int tries, int steps) {
        if (tries <= 0) {
            throw new IllegalArgumentException("tries must be positive: " + tries);
        }
        checkRunnable(steps);
        String name = Seeds.caller();
        OptionalLong replay = Seeds.replaySeed();
        if (replay.isPresent()) {
            return new Summary(1, runTry(name, replay.getAsLong(), 1, 1, steps));
        }
        SplittableRandom run = Seeds.newRun();
        long taken = 0;
        for (int t = 1; t <= tries; t++) {
            taken += runTry(name, run.nextLong(), t, tries, steps);
        }
        return new Summary(tries, taken);
    }

    /**
     * Runs one try of {@code steps} steps from {@code seed}, as {@code -Doffpool.seed} does.
     *
     * @param seed the seed of the try, as a {@link PropertyFailure} gives it
     * @param steps how many steps the try takes
     * @return one try and the steps taken
     * @throws IllegalArgumentException if {@code steps < 0}
     * @throws IllegalStateException if no action was added
     * @throws PropertyFailure if the try fails
     */
    public Summary replay(long seed, int steps) {
        checkRunnable(steps);
        return new Summary(1, runTry(Seeds.caller(), seed, 1, 1, steps));
    }

    private void checkRunnable(int steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must not be negative: " + steps);
        }
        if (actions.isEmpty()) {
            throw new IllegalStateException("a state machine needs at least one action");
        }
    }

    /** Runs one try and returns its step count, or throws its failure with the shrunk sequence. */
    private int runTry(String name, long seed, int tryNumber, int tries, int steps) {
        Draw draw = new Draw(seed);
        // The model gets draws of its own, so that reruns rebuild it identically whatever the steps drew.
        long modelSeed = draw.anyLong();
        int[] drawn = {0};
        Outcome<M> outcome = execute(modelSeed, model -> drawn[0]++ == steps ? null : drawStep(model, draw));
        if (outcome.failure() == null) {
            return outcome.taken().size();
        }
        Shrunk shrunk = shrink(modelSeed, outcome);
        throw new PropertyFailure(name, seed, tryNumber, tries, shrunk.shrinking(), shrunk.failure());
    }

    private Step<M> drawStep(M model, Draw draw) {
        List<WeightedAction<M>> enabled = new ArrayList<>(actions.size());
        for (WeightedAction<M> candidate : actions) {
            if (candidate.precondition().test(model)) {
                enabled.add(candidate);
            }
        }
        if (enabled.isEmpty()) {
            throw new MisdefinedMachine("no action applies to the model: " + model);
        }
        int[] weights = enabled.stream().mapToInt(WeightedAction::weight).toArray();
        Step<M> step = enabled.get(draw.weightedIndex(weights)).action().draw(model, draw);
        if (!step.appliesTo().test(model)) {
            throw new MisdefinedMachine("step '" + step + "' does not apply to the model it was drawn for: " + model);
        }
        return step;
    }

    /** Builds a model, checks it, applies the source's steps checking after each, and closes the model. */
    private Outcome<M> execute(long modelSeed, StepSource<M> source) {
        List<Step<M>> taken = new ArrayList<>();
        M model = null;
        Throwable failure = null;
        try {
            model = newModel.apply(new Draw(modelSeed));
            invariant.accept(model);
            for (Step<M> step = source.next(model); step != null; step = source.next(model)) {
                if (!step.appliesTo().test(model)) {
                    continue;
                }
                taken.add(step);
                step.body().accept(model);
                invariant.accept(model);
            }
        } catch (Throwable t) {
            failure = t;
        }
        if (model != null) {
            try {
                close.accept(model);
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                } else {
                    failure.addSuppressed(t);
                }
            }
        }
        return new Outcome<>(taken, failure);
    }

    /**
     * Deletes chunks of the failing sequence, halving the chunk size down to single steps, and repeats single-step
     * deletions until none still fails (or the budget is spent).
     */
    private Shrunk shrink(long modelSeed, Outcome<M> original) {
        int originalCount = original.taken().size();
        if (original.failure() instanceof MisdefinedMachine) {
            return shrunk(original, originalCount, 0, "not shrunk: the machine, not the model, failed");
        }
        if (shrinkReplays == 0) {
            return shrunk(original, originalCount, 0, "not shrunk: shrinking is off");
        }
        Class<?> kind = original.failure().getClass();
        Outcome<M> failing = original;
        int replays = 0;
        int chunk = Math.max(1, failing.taken().size() / 2);
        while (true) {
            boolean deleted = false;
            int start = 0;
            while (start < failing.taken().size()) {
                if (replays == shrinkReplays) {
                    return shrunk(failing, originalCount, replays, originalCount + " steps shrunk to "
                            + failing.taken().size() + " when shrinking stopped at its budget of " + shrinkReplays
                            + " reruns");
                }
                List<Step<M>> steps = failing.taken();
                List<Step<M>> candidate = new ArrayList<>(steps.subList(0, start));
                candidate.addAll(steps.subList(Math.min(steps.size(), start + chunk), steps.size()));
                replays++;
                Outcome<M> rerun = execute(modelSeed, iterating(candidate));
                if (rerun.failure() != null && rerun.failure().getClass() == kind) {
                    failing = rerun;
                    deleted = true;
                } else {
                    start += chunk;
                }
            }
            if (chunk == 1 && !deleted) {
                return shrunk(failing, originalCount, replays, originalCount + " steps shrunk to "
                        + failing.taken().size() + " in " + replays + " reruns");
            }
            chunk = Math.max(1, chunk / 2);
        }
    }

    private Shrunk shrunk(Outcome<M> failing, int originalCount, int replays, String note) {
        List<String> steps = failing.taken().stream().map(Step::description).toList();
        return new Shrunk(new PropertyFailure.Shrinking(steps, originalCount, replays, note), failing.failure());
    }

    private static <M> StepSource<M> iterating(List<Step<M>> steps) {
        int[] next = {0};
        return model -> next[0] < steps.size() ? steps.get(next[0]++) : null;
    }
}
