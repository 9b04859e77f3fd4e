package dev.offpool.agent.install;

import dev.offpool.agent.redirect.BufferRedirect;
import net.bytebuddy.asm.Advice;

import java.nio.ByteBuffer;

/**
 * Inlined at the start of {@code sun.misc.Unsafe.invokeCleaner(ByteBuffer)}: a redirected buffer is freed by the
 * agent and the JDK's body is skipped; any other buffer goes on to the JDK's body as before. Being in the method
 * itself, it sees every call: direct ones, reflective ones and {@code MethodHandle} ones, as Netty's
 * {@code CleanerJava9} makes. Byte Buddy copies this code into the JDK's class; this class is never run.
 */
final class UnsafeCleanerAdvice {
    private UnsafeCleanerAdvice() {
    }

    /**
     * @param buffer the method's argument
     * @return true to skip the JDK's body: the agent freed the buffer (or it was a slab buffer freed before)
     */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
    static boolean enter(@Advice.Argument(0) ByteBuffer buffer) {
        return BufferRedirect.cleanedByAgent(buffer);
    }
}
