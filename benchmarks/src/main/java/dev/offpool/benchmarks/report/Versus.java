package dev.offpool.benchmarks.report;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the offpool benchmark, in the same class, that a peer benchmark is compared with on its own in
 * {@link ResultTable}'s per-peer ratio table, when it is not the one {@link Work} would pick: a peer without it is
 * compared with the offpool row doing the same {@link Work} ({@code offpoolRaw} first when several do), else with
 * {@code offpoolRaw}, else with the only offpool benchmark of its class. On a JMH group, annotate any one of the
 * group's methods.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Versus {
    /** {@return the offpool benchmark's method or group name} */
    String value();
}
