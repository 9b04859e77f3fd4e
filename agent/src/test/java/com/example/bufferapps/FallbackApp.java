package com.example.bufferapps;

import dev.offpool.agent.RedirectStats;
import dev.offpool.agent.Redirects;

import java.nio.ByteBuffer;

import static com.example.bufferapps.Checks.check;

/**
 * {@code limit}: run with limit=100k; allocations past it fall back to the JDK and work. {@code fault}: run with
 * -Doffpool.agentFault=allocate; every allocation fails inside the agent and falls back.
 */
public final class FallbackApp {
    private FallbackApp() {
    }

    public static void main(String[] args) {
        if (args[0].equals("limit")) {
            overLimit();
        } else {
            internalFault();
        }
        Checks.finish();
    }

    private static void overLimit() {
        ByteBuffer first = ByteBuffer.allocateDirect(40 * 1024);
        ByteBuffer second = ByteBuffer.allocateDirect(40 * 1024);
        ByteBuffer third = ByteBuffer.allocateDirect(40 * 1024);
        check("underTheLimitIsRedirected", Redirects.isRedirected(first) && Redirects.isRedirected(second));
        check("pastTheLimitFallsBackToTheJdk", !Redirects.isRedirected(third) && third.isDirect()
                && third.capacity() == 40 * 1024);
        third.putLong(40 * 1024 - 8, 7L);
        check("fallbackBufferWorks", third.getLong(40 * 1024 - 8) == 7L);
        RedirectStats stats = Redirects.stats();
        check("overLimitIsCounted", stats.fellBackOverLimit() == 1 && stats.liveBytes() == 80 * 1024, stats);
        check("explicitFreeMakesRoom", Redirects.free(first));
        check("redirectedAgainAfterAFree", Redirects.isRedirected(ByteBuffer.allocateDirect(40 * 1024)));
    }

    private static void internalFault() {
        for (int i = 0; i < 10; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(128);
            buffer.put(127, (byte) 1);
            check("failureFallsBackToAWorkingJdkBuffer" + i, !Redirects.isRedirected(buffer) && buffer.isDirect()
                    && buffer.capacity() == 128 && buffer.get(127) == 1);
        }
        RedirectStats stats = Redirects.stats();
        check("internalErrorsAreCounted", stats.fellBackInternalError() == 10 && stats.redirected() == 0
                && stats.liveBytes() == 0, stats);
    }
}
