package com.example.bufferapps;

import dev.offpool.agent.Redirects;
import dev.offpool.spi.RedirectSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static com.example.bufferapps.Checks.check;

/**
 * Call sites as the report names them, and their modes. Run with
 * {@code passThrough=com.example.bufferapps.SitesApp$Helper.allocate}: two {@code allocateDirect} calls in one
 * method are two sites with their lines; a helper's buffers are counted at its callers; a site whose buffers
 * outlive collections goes to the JDK's path, one whose buffers churn stays redirected.
 */
public final class SitesApp {
    private static final List<ByteBuffer> KEPT = new ArrayList<>();

    private SitesApp() {
    }

    /** A pass-through helper, as Jetty's {@code BufferUtil.allocateDirect}. */
    static final class Helper {
        static ByteBuffer allocate(int bytes) {
            return ByteBuffer.allocateDirect(bytes);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        twoCallsInOneMethod();
        helperCallers();
        modesFollowLifetimes();
        Checks.finish();
    }

    private static void twoCallsInOneMethod() {
        ByteBuffer first = ByteBuffer.allocateDirect(1000);
        ByteBuffer second = ByteBuffer.allocateDirect(2000);
        Optional<RedirectSource.Site> a = site("twoCallsInOneMethod()", 1000);
        Optional<RedirectSource.Site> b = site("twoCallsInOneMethod()", 2000);
        check("twoCallsAreTwoSitesWithTheirLines", a.isPresent() && b.isPresent() && a.get().line() > 0
                && b.get().line() == a.get().line() + 1, Redirects.sites());
        check("theSiteNamesItsLine", a.isPresent() && a.get().site().equals(SitesApp.class.getName()
                + ".twoCallsInOneMethod():" + a.get().line()), a);
        Redirects.free(first);
        Redirects.free(second);
    }

    private static ByteBuffer viaHelperFromHere() {
        return Helper.allocate(3000);
    }

    private static void helperCallers() {
        ByteBuffer buffer = viaHelperFromHere();
        Optional<RedirectSource.Site> caller = Redirects.sites().stream()
                .filter(s -> s.method().equals("viaHelperFromHere() -> Helper.allocate")).findFirst();
        check("aHelpersBufferIsCountedAtItsCaller", caller.isPresent() && caller.get().liveBytes() == 3000
                && caller.get().line() > 0, Redirects.sites());
        check("notAtTheHelper", Redirects.sites().stream().noneMatch(s -> s.className().endsWith("$Helper")
                && s.allocations() > 0), Redirects.sites());
        Redirects.free(buffer);
    }

    private static ByteBuffer pooled() {
        return ByteBuffer.allocateDirect(4096);
    }

    private static ByteBuffer churned() {
        return ByteBuffer.allocateDirect(4096);
    }

    private static void modesFollowLifetimes() throws InterruptedException {
        for (int round = 0; round < 6; round++) {
            for (int i = 0; i < 50; i++) {
                KEPT.add(pooled());
                churned().putInt(0, i);
            }
            System.gc();
            Thread.sleep(100);
        }
        RedirectSource.Site pooledSite = site("pooled()", -1).orElseThrow();
        RedirectSource.Site churnedSite = site("churned()", -1).orElseThrow();
        System.out.println("pooled: " + pooledSite + "\nchurned: " + churnedSite);
        check("aSiteWhoseBuffersLiveGoesToTheJdksPath", !pooledSite.redirected()
                && pooledSite.reason().startsWith("kept on the JDK's path"), pooledSite);
        check("itsNewBuffersAreTheJdks", !Redirects.isRedirected(pooled()));
        check("itsAccountingStays", site("pooled()", -1).orElseThrow().liveBuffers() >= 300, site("pooled()", -1));
        check("aSiteWhoseBuffersChurnStaysRedirected", churnedSite.redirected()
                && churnedSite.reason().startsWith("redirected:"), churnedSite);
        check("theReportSaysWhy", Redirects.report().contains("kept on the JDK's path: "), Redirects.report());
    }

    /** The site of this class's method {@code method}, with {@code liveBytes} live bytes unless that is -1. */
    private static Optional<RedirectSource.Site> site(String method, long liveBytes) {
        return Redirects.sites().stream().filter(s -> s.className().equals(SitesApp.class.getName())
                && s.method().equals(method) && (liveBytes < 0 || s.liveBytes() == liveBytes)).findFirst();
    }
}
