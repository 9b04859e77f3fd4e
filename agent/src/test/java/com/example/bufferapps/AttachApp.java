package com.example.bufferapps;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

import static com.example.bufferapps.Checks.check;

/**
 * Runs without the agent, allocates, prints {@code READY}, waits for a line on standard input (the test attaches the
 * agent meanwhile), allocates again, and checks which buffers are redirected. It reaches the agent's API by
 * reflection: before the attach those classes do not exist in this JVM. With the argument {@code refused} (the test's
 * attach failed) it checks that neither buffer is redirected.
 */
public final class AttachApp {
    private AttachApp() {
    }

    public static void main(String[] args) throws Exception {
        ByteBuffer before = allocate(256);
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        ByteBuffer after = allocate(256);
        if (args.length > 0 && args[0].equals("refused")) {
            check("aRefusedAttachLeavesEveryBufferTheJdks", !redirected(before) && !redirected(after));
            Checks.finish();
            return;
        }
        Class<?> redirects = Class.forName("dev.offpool.agent.Redirects");
        Method isRedirected = redirects.getMethod("isRedirected", ByteBuffer.class);
        Method free = redirects.getMethod("free", ByteBuffer.class);
        check("bufferMadeBeforeAttachStaysTheJdks", !(boolean) isRedirected.invoke(null, before)
                && !(boolean) free.invoke(null, before));
        check("loadedClassIsRetransformedOnAttach", (boolean) isRedirected.invoke(null, after));
        Checks.finish();
    }

    // A refused attach may leave the agent's classes absent, or present and inactive: either way, not redirected.
    private static boolean redirected(ByteBuffer buffer) throws ReflectiveOperationException {
        try {
            return (boolean) Class.forName("dev.offpool.agent.Redirects").getMethod("isRedirected", ByteBuffer.class)
                    .invoke(null, buffer);
        } catch (ClassNotFoundException absent) {
            return false;
        }
    }

    static ByteBuffer allocate(int capacity) {
        return ByteBuffer.allocateDirect(capacity);
    }
}
