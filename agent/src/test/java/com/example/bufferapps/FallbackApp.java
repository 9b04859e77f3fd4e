package com.example.bufferapps;

import dev.offpool.agent.Redirects;
import dev.offpool.spi.RedirectSource;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;

import static com.example.bufferapps.Checks.check;

/**
 * {@code limit}: run with {@code -XX:MaxDirectMemorySize=100k} and
 * {@code neverRedirect=com.example.bufferapps.FallbackApp$Jdk}:
 * redirected buffers and the JDK's share the JDK's one limit. {@code fault}: run with -Doffpool.agentFault=allocate;
 * every allocation fails inside the agent and falls back, reserving once.
 */
public final class FallbackApp {
    private FallbackApp() {
    }

    public static void main(String[] args) {
        if (args[0].equals("limit")) {
            oneLimitForBoth();
        } else {
            internalFault();
        }
        Checks.finish();
    }

    /** Allocates on the JDK's path: its class is forced there by the agent's {@code neverRedirect}. */
    static final class Jdk {
        static ByteBuffer allocate(int bytes) {
            return ByteBuffer.allocateDirect(bytes);
        }
    }

    static BufferPoolMXBean directPool() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
    }

    private static void oneLimitForBoth() {
        ByteBuffer redirected = ByteBuffer.allocateDirect(40 * 1024);
        ByteBuffer jdk = Jdk.allocate(40 * 1024);
        check("aRedirectedAndAJdkBuffer", Redirects.isRedirected(redirected) && !Redirects.isRedirected(jdk)
                && jdk.isDirect());
        check("theJdksDirectPoolCountsBoth", directPool().getTotalCapacity() >= 80 * 1024
                && directPool().getCount() >= 2, directPool().getTotalCapacity() + " " + directPool().getCount());
        OutOfMemoryError refused = null;
        try {
            ByteBuffer.allocateDirect(40 * 1024);
        } catch (OutOfMemoryError e) {
            refused = e;
        }
        check("theThirdPassesTheOneLimit", refused != null && refused.getMessage().startsWith(
                "Cannot reserve 40960 bytes of direct buffer memory (allocated: ")
                && refused.getMessage().endsWith(", limit: 102400)"), refused);
        OutOfMemoryError refusedToo = null;
        try {
            Jdk.allocate(40 * 1024);
        } catch (OutOfMemoryError e) {
            refusedToo = e;
        }
        check("theJdksPathSeesTheSameLimit", refusedToo != null, refusedToo);
        RedirectSource.Totals stats = Redirects.stats();
        check("refusalsAreCountedNoFallback", stats.refusedAtLimit() == 1 && stats.fellBack() == 0
                && stats.keptOnJdk() == 1 && stats.liveBytes() == 40 * 1024, stats);
        check("explicitFreeMakesRoom", Redirects.free(redirected));
        check("redirectedAgainAfterAFree", Redirects.isRedirected(ByteBuffer.allocateDirect(40 * 1024)));
    }

    private static void internalFault() {
        long reservedBefore = directPool().getTotalCapacity();
        for (int i = 0; i < 10; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(128);
            buffer.put(127, (byte) 1);
            check("failureFallsBackToAWorkingJdkBuffer" + i, !Redirects.isRedirected(buffer) && buffer.isDirect()
                    && buffer.capacity() == 128 && buffer.get(127) == 1);
        }
        RedirectSource.Totals stats = Redirects.stats();
        check("internalErrorsAreCounted", stats.fellBackInternalError() == 10 && stats.redirected() == 0
                && stats.liveBytes() == 0, stats);
        check("aFallbackIsReservedOnceNotTwice", directPool().getTotalCapacity() - reservedBefore <= 10 * 128,
                directPool().getTotalCapacity() - reservedBefore);
    }
}
