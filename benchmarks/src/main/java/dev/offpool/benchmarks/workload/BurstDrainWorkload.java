package dev.offpool.benchmarks.workload;

import dev.offpool.benchmarks.workload.Arguments.Option;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * <b>Burst and drain</b>: a server at its steady state takes a burst to a peak of live bytes, frees most of it, and
 * goes on serving: does its memory come back, and how fast?
 *
 * <p>Phases (the {@code phase} column of the time series):
 * <ol>
 * <li>{@code fill}: the workers fill their session stores to {@code --live}, as in {@link ServerWorkload};</li>
 * <li>{@code steady}: server traffic ({@link ServerRequests}) for {@code --burst-at} of {@code --duration}; the
 *   steady-state RSS is read from the end of this phase;</li>
 * <li>{@code burst}: every worker allocates blocks from the whole {@link SizeMix} (what in-flight requests hold
 *   when clients stall) until the live bytes reach {@code --peak-factor} times {@code --live};</li>
 * <li>{@code hold}: traffic at the peak for {@code --hold};</li>
 * <li>{@code drain}: every worker frees all but {@code --keep} of its burst blocks, chosen at random (a third of
 *   them on the releaser's thread): the survivors are scattered over the memory the burst took, the pattern that
 *   keeps an allocator from giving memory back;</li>
 * <li>{@code after}: traffic again, for the rest of {@code --duration}: the time RSS takes to come back to within
 *   10% of the steady state is read here.</li>
 * </ol>
 *
 * {@snippet lang = "sh" :
 * java --enable-native-access=ALL-UNNAMED -Xms1g -Xmx1g -XX:+AlwaysPreTouch \
 *     -cp benchmarks/target/benchmarks.jar dev.offpool.benchmarks.workload.BurstDrainWorkload \
 *     --peer offpool-raw --duration 60s --live 128m --peak-factor 4 --out /tmp/burst
 * }
 */
public final class BurstDrainWorkload extends Workload {
    static final String NAME = "burst";
    static final List<Option> OPTIONS = List.of(
            new Option("session-rate", "0.5", "share of requests that store a session or cache entry"),
            new Option("peak-factor", "4", "the burst's peak of live bytes, as a multiple of --live"),
            new Option("keep", "0.01", "share of the burst's bytes still live after the drain"),
            new Option("burst-at", "0.4", "share of --duration served before the burst"),
            new Option("hold", "1s", "time at the peak before the drain"));

    private final double sessionRate;
    private final double peakFactor;
    private final double keep;
    private final double burstAt;
    private final Duration hold;
    private final CountDownLatch filled;
    private final CountDownLatch burstDone;
    private final CountDownLatch drained;

    BurstDrainWorkload(Settings settings, double sessionRate, double peakFactor, double keep, double burstAt,
                       Duration hold) {
        super(settings);
        this.sessionRate = sessionRate;
        this.peakFactor = peakFactor;
        this.keep = keep;
        this.burstAt = burstAt;
        this.hold = hold;
        this.filled = new CountDownLatch(settings.threads());
        this.burstDone = new CountDownLatch(settings.threads());
        this.drained = new CountDownLatch(settings.threads());
    }

    private BurstDrainWorkload(Arguments arguments) {
        this(Settings.from(arguments), arguments.decimal("session-rate", 0, 1),
                arguments.decimal("peak-factor", 1, 1000), arguments.decimal("keep", 0, 1),
                arguments.decimal("burst-at", 0, 1), arguments.duration("hold"));
    }

    /**
     * Runs the burst-and-drain workload; {@code --help} lists the options.
     *
     * @param args the options
     */
    public static void main(String[] args) {
        WorkloadMain.main(BurstDrainWorkload.class.getSimpleName(), OPTIONS, BurstDrainWorkload::new, args);
    }

    @Override
    String name() {
        return NAME;
    }

    @Override
    String firstPhase() {
        return "fill";
    }

    @Override
    Task newTask(Worker worker) {
        long share = settings().liveBytes() / settings().threads();
        long burstBytes = (long) ((peakFactor - 1) * share);
        ServerRequests requests = new ServerRequests(worker, share, sessionRate);
        // Room for the burst at a sixth of the mix's mean block size (about 11 KiB): the bytes, not the slots, bind.
        Store burst = new Store(worker, (int) Math.min(Integer.MAX_VALUE - 16, burstBytes / 2048 + 1024));
        return new Task() {
            private boolean burstTaken;
            private boolean drainDone;

            @Override
            public void run(RunControl control) {
                requests.fill(control);
                filled.countDown();
                while (control.running()) {
                    String phase = control.phase();
                    if (!burstTaken && phase.equals("burst")) {
                        while (burst.bytes() < burstBytes && control.running()) {
                            burst.add(worker, SizeMix.any(worker.random()));
                        }
                        burstTaken = true;
                        burstDone.countDown();
                    } else if (!drainDone && phase.equals("drain")) {
                        burst.evictDownTo(worker, (long) (keep * burst.bytes()));
                        drainDone = true;
                        drained.countDown();
                    } else {
                        requests.serve();
                    }
                }
            }

            @Override
            public long bytesHeld() {
                return requests.bytesHeld() + burst.bytesHeld();
            }

            @Override
            public void clear(Worker owner) {
                requests.clear();
                burst.clear(owner);
            }
        };
    }

    @Override
    void coordinate(RunControl control) throws InterruptedException {
        if (!await(filled, control)) {
            return;
        }
        Duration duration = settings().duration();
        control.phase("steady");
        control.sleep(Duration.ofMillis((long) (duration.toMillis() * burstAt)));
        control.phase("burst");
        if (!await(burstDone, control)) {
            return;
        }
        control.phase("hold");
        control.sleep(hold);
        control.phase("drain");
        if (!await(drained, control)) {
            return;
        }
        control.phase("after");
        control.sleep(Duration.ofMillis(duration.toMillis() - (long) (duration.toMillis() * burstAt)));
        control.stop();
    }

    /** Waits for every worker to pass {@code latch}; false if the run stopped first (a worker failed). */
    private static boolean await(CountDownLatch latch, RunControl control) throws InterruptedException {
        while (!latch.await(10, TimeUnit.MILLISECONDS)) {
            if (!control.running()) {
                return false;
            }
        }
        return true;
    }

    @Override
    Map<String, String> parameters() {
        return Map.of("session_rate", Double.toString(sessionRate), "peak_factor", Double.toString(peakFactor),
                "keep", Double.toString(keep), "burst_at", Double.toString(burstAt), "hold_ms",
                Long.toString(hold.toMillis()));
    }
}
