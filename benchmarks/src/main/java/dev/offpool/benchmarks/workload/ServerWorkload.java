package dev.offpool.benchmarks.workload;

import dev.offpool.benchmarks.workload.Arguments.Option;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * <b>Server</b>: {@code threads} workers serve requests as fast as they can, each request allocating headers, I/O
 * buffers and sometimes a body from the {@link SizeMix} of real servers, holding them for the request, and storing a
 * session or cache entry one request in two that lives until random eviction (minutes, at the full study's
 * settings); a third of all blocks are freed on another thread (see {@link ServerRequests}).
 *
 * <p>Phases: {@code fill} (each worker fills its share of the {@code --live} budget with entries, as a warm server's
 * caches are full), then {@code run} for {@code --duration}. The question it answers: how much memory does the peer
 * hold for a steady live set, how fast and with what tail latency does it allocate, and what does the GC pay.
 *
 * {@snippet lang = "sh" :
 * java --enable-native-access=ALL-UNNAMED -Xms1g -Xmx1g -XX:+AlwaysPreTouch \
 *     -cp benchmarks/target/benchmarks.jar dev.offpool.benchmarks.workload.ServerWorkload \
 *     --peer offpool-raw --threads 2 --duration 60s --live 256m --out /tmp/server
 * }
 */
public final class ServerWorkload extends Workload {
    static final String NAME = "server";
    static final List<Option> OPTIONS = List.of(
            new Option("session-rate", "0.5", "share of requests that store a session or cache entry"));

    private final double sessionRate;
    private final CountDownLatch filled;

    ServerWorkload(Settings settings, double sessionRate) {
        super(settings);
        this.sessionRate = sessionRate;
        this.filled = new CountDownLatch(settings.threads());
    }

    private ServerWorkload(Arguments arguments) {
        this(Settings.from(arguments), arguments.decimal("session-rate", 0, 1));
    }

    /**
     * Runs the server workload; {@code --help} lists the options.
     *
     * @param args the options
     */
    public static void main(String[] args) {
        WorkloadMain.main(ServerWorkload.class.getSimpleName(), OPTIONS, ServerWorkload::new, args);
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
        ServerRequests requests = new ServerRequests(worker, settings().liveBytes() / settings().threads(),
                sessionRate);
        return new Task() {
            @Override
            public void run(RunControl control) {
                requests.fill(control);
                filled.countDown();
                while (control.running()) {
                    requests.serve();
                }
            }

            @Override
            public long bytesHeld() {
                return requests.bytesHeld();
            }

            @Override
            public void clear(Worker owner) {
                requests.clear();
            }
        };
    }

    @Override
    void coordinate(RunControl control) throws InterruptedException {
        while (!filled.await(10, TimeUnit.MILLISECONDS)) {
            if (!control.running()) {
                return;
            }
        }
        control.phase("run");
        control.sleep(settings().duration());
        control.stop();
    }

    @Override
    Map<String, String> parameters() {
        return Map.of("session_rate", Double.toString(sessionRate));
    }
}
