package dev.offpool.jmx;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a JMX client shows for an MXBean interface, one of its attributes (on the getter) or operations, or an
 * operation's parameter: a description and, for figures, their unit. {@link DescribedMBean} reads it into the
 * bean's {@code MBeanInfo}: the description as is, with the unit appended ({@code "... [bytes]"}), and the unit in
 * the descriptor's standard {@code units} field.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.PARAMETER})
@interface Described {
    /** {@return the description, a sentence or two} */
    String value();

    /** {@return the unit of the figure ({@code bytes}, {@code blocks}, {@code buffers}...), or empty for none} */
    String unit() default "";

    /** {@return for a parameter, its name as clients show it; ignored elsewhere} */
    String name() default "";
}
