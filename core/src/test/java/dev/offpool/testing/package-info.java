/**
 * The tests' own seeded property runner: {@link dev.offpool.testing.RandomTries} runs a property a number of times,
 * {@link dev.offpool.testing.StateMachine} runs random step sequences against a model and shrinks a failing one, and
 * both draw every input through a {@link dev.offpool.testing.Draw} from a per-try seed that a failure prints and
 * {@code -Doffpool.seed} replays. Contributors' guide: {@code docs/TESTING.md}.
 */
package dev.offpool.testing;
