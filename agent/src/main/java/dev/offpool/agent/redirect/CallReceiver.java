package dev.offpool.agent.redirect;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the parameter of a redirect entry point that receives the receiver of the replaced instance call (the
 * {@code Unsafe} in {@code unsafe.invokeCleaner(buffer)}). Unmarked parameters receive the call's arguments, in
 * order. Like {@link SiteId}, it is the agent's own annotation, visible from the bootstrap class path, because Byte
 * Buddy's (relocated) annotations would not resolve there.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface CallReceiver {
}
