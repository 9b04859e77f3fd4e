package dev.offpool.benchmarks.agent;

import dev.offpool.benchmarks.peers.TheUnsafe;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What one {@code allocateDirect} costs in CPU time, the JDK's or the agent's: allocate a buffer, write one byte,
 * then drop it ({@code gc}: the GC frees it) or free it at once ({@code explicit}: {@code Unsafe.invokeCleaner}, as
 * Netty frees). The same program runs without and with the agent; {@code include} names this class only.
 *
 * {@snippet lang = "shell" :
 * java --enable-native-access=ALL-UNNAMED -Xms1g -Xmx1g -cp benchmarks/target/benchmarks.jar \
 *      dev.offpool.benchmarks.agent.DropLoop gc 64 512 4096
 * java --enable-native-access=ALL-UNNAMED -Xms1g -Xmx1g -cp benchmarks/target/benchmarks.jar \
 *      -javaagent:agent/target/offpool-agent.jar=include=dev.offpool.benchmarks.agent.DropLoop*,maxBytes=64k \
 *      dev.offpool.benchmarks.agent.DropLoop gc 64 512 4096
 * }
 *
 * <p>For each size it runs one warm-up trial and then {@code -Dtrials} (default 7) trials of {@code -Dmillis}
 * (default 1000) ms each, and prints the minimum over the trials of three figures per buffer: the allocating
 * thread's CPU time, the whole process's CPU time (GC threads, the JDK's cleaner thread and the agent's release
 * thread included, and also the JIT), and wall time. The minimum, because on a shared machine the noise only ever
 * adds. Not a JMH benchmark: {@link AgentBenchmark} is the one to quote; this one separates the allocating thread's
 * cost from what the program pays elsewhere, which JMH's throughput does not.
 */
public final class DropLoop {
    private static final int BATCH = 10_000;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    @SuppressWarnings("removal")
    private static final sun.misc.Unsafe UNSAFE = TheUnsafe.get();

    /** Keeps the last buffer reachable until the next one replaces it, so the loop cannot be optimized away. */
    static ByteBuffer sink;

    private DropLoop() {
    }

    /**
     * Runs the loop.
     *
     * @param args {@code gc} or {@code explicit}, then one or more sizes in bytes
     */
    public static void main(String[] args) {
        if (args.length < 2 || !(args[0].equals("gc") || args[0].equals("explicit"))) {
            System.err.println("usage: DropLoop gc|explicit SIZE...");
            System.exit(2);
        }
        boolean explicit = args[0].equals("explicit");
        int trials = Integer.getInteger("trials", 7);
        long millis = Long.getLong("millis", 1000);
        System.out.printf("%-8s %8s %14s %14s %14s%n", "mode", "size", "thread ns/op", "process ns/op",
                "wall ns/op");
        for (int i = 1; i < args.length; i++) {
            int size = Integer.parseInt(args[i]);
            trial(size, explicit, millis);
            double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
            for (int t = 0; t < trials; t++) {
                double[] r = trial(size, explicit, millis);
                for (int k = 0; k < 3; k++) {
                    best[k] = Math.min(best[k], r[k]);
                }
            }
            System.out.printf("%-8s %8d %14.1f %14.1f %14.1f%n", args[0], size, best[0], best[1], best[2]);
        }
        System.out.println("trials " + trials + " x " + millis + " ms, minimum; " + Arrays.toString(
                ManagementFactory.getRuntimeMXBean().getInputArguments().toArray()));
    }

    /** {@return thread CPU, process CPU and wall nanoseconds per buffer over one trial} */
    private static double[] trial(int size, boolean explicit, long millis) {
        long wall0 = System.nanoTime();
        long thread0 = THREADS.getCurrentThreadCpuTime();
        long process0 = OS.getProcessCpuTime();
        long end = wall0 + millis * 1_000_000;
        long n = 0;
        do {
            if (explicit) {
                explicitBatch(size);
            } else {
                gcBatch(size);
            }
            n += BATCH;
        } while (System.nanoTime() < end);
        double thread = THREADS.getCurrentThreadCpuTime() - thread0;
        double process = OS.getProcessCpuTime() - process0;
        double wall = System.nanoTime() - wall0;
        return new double[] {thread / n, process / n, wall / n};
    }

    private static void gcBatch(int size) {
        for (int i = 0; i < BATCH; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(size);
            buffer.put(0, (byte) 1);
            sink = buffer;
        }
    }

    @SuppressWarnings("removal")
    private static void explicitBatch(int size) {
        for (int i = 0; i < BATCH; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(size);
            buffer.put(0, (byte) 1);
            UNSAFE.invokeCleaner(buffer);
        }
    }

}
