package com.example.bufferapps;

/**
 * Prints one line per check, {@code CHECK name ok} or {@code CHECK name FAILED: detail}, for the forked-JVM tests to
 * assert on; ends the JVM with status 3 if any check failed (after the exit hooks, so the agent's report still
 * appears).
 */
final class Checks {
    private static int failures;

    private Checks() {
    }

    static void check(String name, boolean ok, Object detail) {
        System.out.println("CHECK " + name + (ok ? " ok" : " FAILED: " + detail));
        if (!ok) {
            failures++;
        }
    }

    static void check(String name, boolean ok) {
        check(name, ok, "");
    }

    /** Runs {@code action} and checks it throws {@code expected}. */
    static void throwsIt(String name, Class<? extends Throwable> expected, Runnable action) {
        try {
            action.run();
            check(name, false, "no exception");
        } catch (Throwable t) {
            check(name, expected.isInstance(t), t);
        }
    }

    /** Prints a {@code VALUE name value} line. */
    static void value(String name, Object value) {
        System.out.println("VALUE " + name + " " + value);
    }

    static void finish() {
        System.out.println("CHECKS DONE failures=" + failures);
        if (failures > 0) {
            System.exit(3);
        }
    }
}
