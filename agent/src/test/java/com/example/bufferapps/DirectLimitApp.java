package com.example.bufferapps;

import dev.offpool.agent.Redirects;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static com.example.bufferapps.Checks.check;

/**
 * The JDK's direct-memory limit under the agent, as the JDK's own {@code LimitDirectMemory} test has it. Run with
 * {@code -XX:MaxDirectMemorySize=16m}. {@code hold}: buffers of 64 KiB that stay live get the JDK's
 * {@code OutOfMemoryError} after at most 16 MiB. {@code churn}: 256 MiB of 64 KiB buffers dropped at once never
 * pass the limit (the dead ones come back, by the GC if need be). {@code tiny N}: with
 * {@code -XX:MaxDirectMemorySize=N}, N buffers of one byte fit and one more does not. {@code pageAligned}: with
 * {@code -Dsun.nio.PageAlignDirectMemory=true} buffers are the JDK's, page-aligned.
 */
public final class DirectLimitApp {
    private DirectLimitApp() {
    }

    public static void main(String[] args) {
        switch (args[0]) {
            case "hold" -> hold();
            case "churn" -> churn();
            case "tiny" -> tiny(Integer.parseInt(args[1]));
            case "pageAligned" -> pageAligned();
            case "address" -> address();
            default -> throw new IllegalArgumentException(args[0]);
        }
        Checks.finish();
    }

    private static void hold() {
        List<ByteBuffer> held = new ArrayList<>();
        OutOfMemoryError refused = null;
        try {
            while (held.size() < 1024) {
                held.add(ByteBuffer.allocateDirect(64 * 1024));
            }
        } catch (OutOfMemoryError e) {
            refused = e;
        }
        long heldBytes = held.size() * 64L * 1024;
        System.out.println("held " + heldBytes + " bytes, then " + refused);
        check("theJdksOutOfMemoryError", refused != null && refused.getMessage().startsWith(
                "Cannot reserve 65536 bytes of direct buffer memory"), refused);
        check("atMostTheLimitIsHeld", heldBytes <= 16L << 20 && heldBytes >= (16L << 20) - (64 << 10), heldBytes);
        check("theHeldBuffersAreRedirected", held.stream().allMatch(Redirects::isRedirected), Redirects.stats());
        check("theRefusalIsCounted", Redirects.stats().refusedAtLimit() == 1, Redirects.stats());
    }

    private static void churn() {
        for (int i = 0; i < 4096; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
            buffer.putInt(64 * 1024 - 4, i);
        }
        check("churnNeverPassesTheLimit", Redirects.stats().refusedAtLimit() == 0
                && Redirects.stats().fellBack() == 0 && Redirects.stats().redirected() == 4096, Redirects.stats());
    }

    /** Run with {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED}, as libraries that read it are. */
    private static void address() {
        for (int bytes : new int[] {64, 4096, 100_000}) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(bytes);
            long address;
            try {
                address = (long) Class.forName("sun.nio.ch.DirectBuffer").getMethod("address").invoke(buffer);
            } catch (ReflectiveOperationException e) {
                check("directBufferAddressWorksAt" + bytes, false, e.getCause() == null ? e : e.getCause());
                continue;
            }
            check("directBufferAddressWorksAt" + bytes, Redirects.isRedirected(buffer)
                    && address == java.lang.foreign.MemorySegment.ofBuffer(buffer).address(), address);
        }
    }

    private static void pageAligned() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(100);
        long address = java.lang.foreign.MemorySegment.ofBuffer(buffer).address();
        check("pageAlignedBuffersAreTheJdks", !Redirects.isRedirected(buffer) && address % 4096 == 0, address);
        check("theReportSaysWhy", Redirects.report().contains("nothing is redirected: -Dsun.nio.PageAlignDirectMemory"),
                Redirects.report());
        check("theSiteIsStillAccountedAndSaysWhy", Redirects.sites().stream().anyMatch(site -> site.method()
                .equals("pageAligned()") && !site.redirected() && site.liveBuffers() == 1
                && site.reason().startsWith("kept on the JDK's path: -Dsun.nio.PageAlignDirectMemory")),
                Redirects.sites());
        java.lang.ref.Reference.reachabilityFence(buffer);
    }

    private static void tiny(int limit) {
        List<ByteBuffer> held = new ArrayList<>();
        for (int i = 0; i < limit; i++) {
            held.add(ByteBuffer.allocateDirect(1));
        }
        check("limitBuffersOfOneByteFit", held.size() == limit);
        OutOfMemoryError refused = null;
        try {
            ByteBuffer.allocateDirect(1);
        } catch (OutOfMemoryError e) {
            refused = e;
        }
        check("oneMoreDoesNot", refused != null, refused);
    }
}
