package dev.offpool.benchmarks.report;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Says what one operation of a benchmark does, so that {@link ResultTable} compares offpool only with peers doing the
 * same work: rows of one class whose {@link #value()} is equal do the same work.
 *
 * <p>For each work an offpool row does, the table "offpool against the strongest peer" shows, per parameter set, the
 * fastest peer doing that work and offpool's ratio to it; each work an offpool row names in {@link #beside()} gets the
 * same pair of columns next to it. So a zeroing offpool row is held against the fastest zeroing peer at every size,
 * with the fastest non-zeroing malloc shown beside rather than mixed in.
 *
 * {@snippet :
 * @Benchmark
 * @Work(value = ZEROED_BLOCK, beside = BLOCK)
 * public void offpoolRaw(Size s) { ... }
 *
 * @Benchmark
 * @Work(ZEROED_BLOCK)
 * public void glibcCalloc(Size s) { ... }
 * }
 *
 * On a JMH group, annotate any one of the group's methods; on rows named {@code name_suffix}, any one of them.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Work {
    /** {@return the work one operation does, as a short phrase that also heads its columns, e.g. "zeroed block"} */
    String value();

    /** {@return on an offpool row, other work whose strongest peer is shown beside, as a second ratio} */
    String[] beside() default {};
}
