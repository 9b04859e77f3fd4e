package dev.offpool.testing;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One step of a {@link StateMachine}: its inputs are already drawn, so it can run again on a fresh model while the
 * sequence around it is shrunk.
 *
 * <pre>{@code
 * Step.of("free #" + i, m -> i < m.live.size(), m -> m.free(i))
 * }</pre>
 *
 * @param <M> the model type
 * @param description what the step does, with its inputs, as a failure lists it ({@code "free #3"})
 * @param appliesTo whether the step still makes sense for a model; a shrunk sequence skips a step that does not
 *                  (an index past the end of a list that earlier steps no longer fill, say)
 * @param body what the step does to the model and the system under test, asserting as it goes
 */
public record Step<M>(String description, Predicate<? super M> appliesTo, Consumer<? super M> body) {
    /**
     * @throws NullPointerException if any component is null
     */
    public Step {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(appliesTo, "appliesTo");
        Objects.requireNonNull(body, "body");
    }

    /**
     * A step that applies to any model.
     *
     * @param <M> the model type
     * @param description what the step does, with its inputs
     * @param body what it does
     * @return the step
     * @throws NullPointerException if an argument is null
     */
    public static <M> Step<M> of(String description, Consumer<? super M> body) {
        return new Step<>(description, model -> true, body);
    }

    /**
     * A step that applies only to the models {@code appliesTo} accepts.
     *
     * @param <M> the model type
     * @param description what the step does, with its inputs
     * @param appliesTo whether it applies to a model
     * @param body what it does
     * @return the step
     * @throws NullPointerException if an argument is null
     */
    public static <M> Step<M> of(String description, Predicate<? super M> appliesTo, Consumer<? super M> body) {
        return new Step<>(description, appliesTo, body);
    }

    @Override
    public String toString() {
        return description;
    }
}
