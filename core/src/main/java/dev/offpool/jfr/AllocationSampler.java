package dev.offpool.jfr;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.MutableCallSite;

/**
 * The one hook on the allocation fast path: {@link #sample} calls through a {@link MutableCallSite} whose target is
 * an empty method handle unless a JFR recording is running.
 *
 * <p>Why it costs nothing without a recording: {@link #HOOK} is a {@code static final} handle, so the JIT treats it
 * as a constant, inlines the call site's current target (an empty method: no code at all) and records a dependency
 * on the call site. When a recording starts, {@link JfrSupport}'s listener sets the target to
 * {@link #sampleIfEnabled}, which invalidates the compiled code that inlined the old target; it is recompiled with
 * the new one. While a recording runs but {@code offpool.AllocationSample} is off, an allocation pays JFR's own
 * enabled check (a field load and a branch); with the event on, {@link AllocationSampleRate} (the event's
 * {@code throttle} setting) decides which allocations are recorded. Measured by {@code JfrOverheadBenchmark} in
 * the benchmarks module.
 */
public final class AllocationSampler {
    private static final MethodType TYPE = MethodType.methodType(void.class, String.class, long.class, long.class);
    private static final MethodHandle OFF = MethodHandles.empty(TYPE);
    private static final MethodHandle ON;
    private static final MutableCallSite SITE = new MutableCallSite(OFF);
    private static final MethodHandle HOOK = SITE.dynamicInvoker();

    static {
        try {
            ON = MethodHandles.lookup().findStatic(AllocationSampler.class, "sampleIfEnabled", TYPE);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private AllocationSampler() {
    }

    /**
     * Offers one allocation to the sample. Throws nothing but an {@link Error}: a failure inside JFR must not fail an
     * allocation.
     *
     * @param allocator      the allocator's name
     * @param requestedBytes the size asked for
     * @param address        the block's address
     */
    public static void sample(String allocator, long requestedBytes, long address) {
        try {
            HOOK.invokeExact(allocator, requestedBytes, address);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("neither target declares a checked exception", t);
        }
    }

    private static void sampleIfEnabled(String allocator, long requestedBytes, long address) {
        try {
            AllocationSampleEvent e = new AllocationSampleEvent();
            if (e.shouldCommit() && AllocationSampleRate.tryAcquire()) {
                e.allocator = allocator;
                e.requestedBytes = requestedBytes;
                e.address = address;
                e.commit();
            }
        } catch (RuntimeException e) {
            // JFR failed (say, a recording closing under us): the allocation goes on unsampled
        }
    }

    /** {@return true if allocations are offered to JFR now, that is, if a recording runs} */
    static boolean isOn() {
        return SITE.getTarget() == ON;
    }

    /**
     * Points the hook at JFR while a recording runs, and back at the empty handle when none does. Lock-free and safe
     * to race: each caller re-reads the recordings after it sets the target, so the last one to finish leaves the
     * target matching the state it saw last.
     */
    static void refresh() {
        while (true) {
            boolean running = JfrSupport.anyRecordingRunning();
            MethodHandle target = running ? ON : OFF;
            if (SITE.getTarget() != target) {
                SITE.setTarget(target);
                MutableCallSite.syncAll(new MutableCallSite[] {SITE});
            }
            if (JfrSupport.anyRecordingRunning() == running) {
                return;
            }
        }
    }
}
