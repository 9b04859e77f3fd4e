package dev.offpool.agent.redirect;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the parameter of a redirect entry point that receives the call site's id. The agent registers each
 * instrumented method with {@link CallSites#register} when it transforms the class and passes the id as an
 * {@code int} constant at the call site, so no stack is walked at run time.
 *
 * <p>It lives beside the entry points (on the bootstrap class path) because Byte Buddy reads it from their
 * signatures through reflection: an annotation type the entry point's loader cannot see would be dropped silently.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface SiteId {
}
