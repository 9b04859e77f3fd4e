package dev.offpool.testing;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateMachineTest {

    /**
     * A list of digits whose invariant, "no 3 after a 7", breaks in most tries of a few hundred steps. The one
     * minimal failing sequence is "push 7, push 3": pops, removals and other pushes cannot be needed.
     */
    static final class Digits {
        final List<Integer> values = new ArrayList<>();
        /** Steps run on a model they do not apply to: must stay 0, the runner skips them. */
        static final AtomicInteger MISAPPLIED = new AtomicInteger();

        void check() {
            int seven = values.indexOf(7);
            if (seven >= 0 && values.subList(seven, values.size()).contains(3)) {
                throw new AssertionError("3 after 7 in " + values);
            }
        }

        void remove(int i) {
            if (i >= values.size()) {
                MISAPPLIED.incrementAndGet();
                throw new AssertionError("remove #" + i + " from " + values.size() + " values");
            }
            values.remove(i);
        }
    }

    private static StateMachine<Digits> digits() {
        return StateMachine.startingWith(Digits::new)
                .action(5, (m, draw) -> {
                    int digit = draw.intBetween(0, 9);
                    return Step.of("push " + digit, model -> model.values.add(digit));
                })
                .action(2, m -> !m.values.isEmpty(), (m, draw) -> Step.of("pop",
                        model -> !model.values.isEmpty(), model -> model.values.removeLast()))
                .action(2, m -> !m.values.isEmpty(), (m, draw) -> {
                    int i = draw.intBetween(0, m.values.size() - 1);
                    return Step.of("remove #" + i, model -> i < model.values.size(), model -> model.remove(i));
                })
                .invariant(Digits::check);
    }

    @Test
    void passingMachineTakesEveryStepAndChecksTheInvariantOnTheFreshModelAndAfterEachStep() {
        AtomicInteger models = new AtomicInteger();
        AtomicInteger checks = new AtomicInteger();
        AtomicInteger closes = new AtomicInteger();
        StateMachine.Summary run = StateMachine.startingWith(() -> {
            models.incrementAndGet();
            return new ArrayList<Integer>();
        })
                .action(1, (m, draw) -> Step.of("add", model -> model.add(1)))
                .invariant(m -> checks.incrementAndGet())
                .closeWith(m -> closes.incrementAndGet())
                .run(7, 30);
        assertEquals(new StateMachine.Summary(7, 7 * 30), run);
        assertEquals(7, models.get());
        assertEquals(7 * 31, checks.get());
        assertEquals(7, closes.get());
    }

    @Test
    void failingSequenceIsCaughtAndNamesItsSeedAndTheReplayCommand() {
        PropertyFailure failure = assertThrows(PropertyFailure.class, () -> digits().run(100, 300));
        String seed = Seeds.format(failure.seed());
        assertTrue(failure.getMessage().contains("-Dtest='StateMachineTest#"
                + "failingSequenceIsCaughtAndNamesItsSeedAndTheReplayCommand' -Doffpool.seed=" + seed),
                failure.getMessage());
        assertTrue(failure.getMessage().contains("      1. push 7\n      2. push 3\n"), failure.getMessage());
        assertInstanceOf(AssertionError.class, failure.getCause());
        assertEquals("3 after 7 in [7, 3]", failure.getCause().getMessage());
    }

    @Test
    void shrinkingReturnsAMinimalSequence() {
        PropertyFailure failure = assertThrows(PropertyFailure.class, () -> digits().run(100, 300));
        assertEquals(List.of("push 7", "push 3"), failure.steps());
        assertTrue(failure.originalStepCount() >= 2);
        assertTrue(failure.shrinkReplays() > 0);
    }

    @Test
    void stepsThatNoLongerApplyAreSkippedWhileShrinking() {
        Digits.MISAPPLIED.set(0);
        for (int i = 0; i < 20; i++) {
            PropertyFailure failure = assertThrows(PropertyFailure.class, () -> digits().run(100, 300));
            assertEquals(List.of("push 7", "push 3"), failure.steps());
        }
        assertEquals(0, Digits.MISAPPLIED.get(), "removals ran past the end of a shrunk list");
    }

    @Test
    void replayingTheSeedReproducesTheSameFailureAndShrinksToTheSameSequence() {
        PropertyFailure first = assertThrows(PropertyFailure.class, () -> digits().run(100, 300));
        PropertyFailure again = assertThrows(PropertyFailure.class, () -> digits().replay(first.seed(), 300));
        assertEquals(first.originalStepCount(), again.originalStepCount());
        assertEquals(first.steps(), again.steps());
        assertEquals(first.shrinkReplays(), again.shrinkReplays());
        assertEquals(first.getCause().getMessage(), again.getCause().getMessage());
    }

    @Test
    void offpoolSeedPropertyRunsOneTryFromThatSeed() {
        PropertyFailure first = assertThrows(PropertyFailure.class, () -> digits().run(100, 300));
        PropertyFailure again = assertThrows(PropertyFailure.class, () -> RandomTriesTest.withSeedProperty(
                Seeds.format(first.seed()), () -> digits().run(100, 300)));
        assertEquals(1, again.tryNumber());
        assertEquals(first.originalStepCount(), again.originalStepCount());
        StateMachine.Summary passing = RandomTriesTest.withSeedProperty("12345", () -> StateMachine
                .startingWith(Object::new).action(1, (m, draw) -> Step.of("nothing", model -> { })).run(100, 40));
        assertEquals(new StateMachine.Summary(1, 40), passing);
    }

    @Test
    void shrinkingStopsAtItsBudgetAndSaysSo() {
        PropertyFailure failure = assertThrows(PropertyFailure.class, () -> digits().shrinkBudget(3).run(100, 300));
        assertEquals(3, failure.shrinkReplays());
        assertTrue(failure.getMessage().contains("when shrinking stopped at its budget of 3 reruns"),
                failure.getMessage());
        PropertyFailure unshrunk = assertThrows(PropertyFailure.class, () -> digits().shrinkBudget(0).run(100, 300));
        assertEquals(unshrunk.originalStepCount(), unshrunk.steps().size());
        assertEquals(0, unshrunk.shrinkReplays());
    }

    @Test
    void everyRerunRebuildsTheModelWithTheSameDrawnSettings() {
        List<Long> settings = new ArrayList<>();
        StateMachine<Digits> machine = StateMachine.<Digits>startingWithDrawn(draw -> {
            settings.add(draw.anyLong());
            return new Digits();
        })
                .action(1, (m, draw) -> {
                    int digit = draw.intBetween(0, 9);
                    return Step.of("push " + digit, model -> model.values.add(digit));
                })
                .invariant(Digits::check);
        PropertyFailure failure = assertThrows(PropertyFailure.class, () -> machine.run(100, 300));
        settings.clear();
        assertThrows(PropertyFailure.class, () -> machine.replay(failure.seed(), 300));
        assertEquals(1 + failure.shrinkReplays(), settings.size());
        assertEquals(1, new HashSet<>(settings).size(), "reruns built models with other settings: " + settings);
    }

    @Test
    void modelIsClosedAfterEveryTryAndRerunPassedOrFailed() {
        AtomicInteger built = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        PropertyFailure failure = assertThrows(PropertyFailure.class, () -> StateMachine.startingWith(() -> {
            built.incrementAndGet();
            return new Digits();
        })
                .action(1, (m, draw) -> {
                    int digit = draw.intBetween(0, 9);
                    return Step.of("push " + digit, model -> model.values.add(digit));
                })
                .invariant(Digits::check)
                .closeWith(m -> closed.incrementAndGet())
                .run(100, 300));
        assertTrue(failure.shrinkReplays() > 0);
        assertEquals(built.get(), closed.get());
    }

    @Test
    void failureToCloseFailsATryWhoseStepsPassedAndIsSuppressedAfterOneThatFailed() {
        PropertyFailure closing = assertThrows(PropertyFailure.class, () -> StateMachine.startingWith(Digits::new)
                .action(1, (m, draw) -> Step.of("push 1", model -> model.values.add(1)))
                .closeWith(m -> {
                    if (!m.values.isEmpty()) {
                        throw new AssertionError("leaked " + m.values.size());
                    }
                })
                .run(3, 10));
        assertEquals("leaked 1", closing.getCause().getMessage(), "not shrunk to one step");
        assertEquals(List.of("push 1"), closing.steps());
        PropertyFailure stepping = assertThrows(PropertyFailure.class, () -> digits()
                .closeWith(m -> {
                    try {
                        m.check();
                    } catch (AssertionError broken) {
                        throw new IllegalStateException("cannot close");
                    }
                })
                .run(100, 300));
        assertInstanceOf(AssertionError.class, stepping.getCause());
        assertEquals("cannot close", stepping.getCause().getSuppressed()[0].getMessage());
    }

    @Test
    void aTryInWhichNoActionAppliesFailsUnshrunk() {
        PropertyFailure failure = assertThrows(PropertyFailure.class, () -> StateMachine.startingWith(Digits::new)
                .action(1, m -> m.values.size() < 3, (m, draw) -> Step.of("push 0", model -> model.values.add(0)))
                .run(1, 10));
        assertInstanceOf(IllegalStateException.class, failure.getCause());
        assertTrue(failure.getCause().getMessage().startsWith("no action applies"), failure.getMessage());
        assertEquals(List.of("push 0", "push 0", "push 0"), failure.steps());
        assertTrue(failure.getMessage().contains("not shrunk: the machine, not the model, failed"));
    }

    @Test
    void badSettingsAreRejectedNamingTheValue() {
        StateMachine<Digits> machine = StateMachine.startingWith(Digits::new);
        assertEquals("a state machine needs at least one action",
                assertThrows(IllegalStateException.class, () -> machine.run(1, 1)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> machine.action(0, (m, draw) -> Step.of("x", model -> { }))).getMessage().contains("0"));
        StateMachine<Digits> runnable = digits();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> runnable.run(0, 1)).getMessage()
                .contains("tries must be positive: 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> runnable.run(1, -1)).getMessage()
                .contains("steps must not be negative: -1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> runnable.shrinkBudget(-1)).getMessage()
                .contains("-1"));
    }
}
