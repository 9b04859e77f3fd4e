package dev.offpool.benchmarks.workload;

import dev.offpool.benchmarks.workload.Arguments.Option;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * <b>Fragmenter</b>: the pinning pattern at scale while traffic goes on. Each worker, again and again, allocates a
 * wave of blocks across {@link #SIZES} (16 B to 256 KiB, two sizes per power of two, {@code --wave-bytes} of each
 * size) and keeps every {@code --keep-every}-th block, freeing the rest at the end of the wave; kept blocks are
 * evicted at random once they pass the {@code --live} budget; between waves it serves {@code
 * --requests-between-waves} server requests without sessions ({@link ServerRequests}). A third of every kind of
 * block is freed on the releaser's thread.
 *
 * <p>A kept block pins whatever unit its allocator frees memory by (a pool, a page, a run, a chunk) while the
 * blocks around it are free: the question is how much memory beyond the live bytes each peer holds in that steady
 * state, and whether later waves reuse the holes.
 *
 * {@snippet lang = "sh" :
 * java --enable-native-access=ALL-UNNAMED -Xms1g -Xmx1g -XX:+AlwaysPreTouch \
 *     -cp benchmarks/target/benchmarks.jar dev.offpool.benchmarks.workload.FragmenterWorkload \
 *     --peer offpool-raw --duration 60s --live 256m --keep-every 16 --out /tmp/fragmenter
 * }
 */
public final class FragmenterWorkload extends Workload {
    static final String NAME = "fragmenter";
    /** The sizes of a wave: 16 B to 256 KiB, powers of two and the halfway steps between them. */
    static final int[] SIZES = sizes();
    static final List<Option> OPTIONS = List.of(
            new Option("keep-every", "16", "keep one block in this many of each wave"),
            new Option("wave-bytes", "256k", "bytes of each size in a wave (at least keep-every blocks)"),
            new Option("requests-between-waves", "100", "server requests a worker serves between two waves"));

    private final int keepEvery;
    private final long waveBytes;
    private final int requestsBetweenWaves;

    FragmenterWorkload(Settings settings, int keepEvery, long waveBytes, int requestsBetweenWaves) {
        super(settings);
        this.keepEvery = keepEvery;
        this.waveBytes = waveBytes;
        this.requestsBetweenWaves = requestsBetweenWaves;
    }

    private FragmenterWorkload(Arguments arguments) {
        this(Settings.from(arguments), arguments.integer("keep-every", 2), arguments.bytes("wave-bytes"),
                arguments.integer("requests-between-waves", 0));
    }

    /**
     * Runs the fragmenter workload; {@code --help} lists the options.
     *
     * @param args the options
     */
    public static void main(String[] args) {
        WorkloadMain.main(FragmenterWorkload.class.getSimpleName(), OPTIONS, FragmenterWorkload::new, args);
    }

    @Override
    String name() {
        return NAME;
    }

    @Override
    String firstPhase() {
        return "run";
    }

    /** {@return how many blocks of {@code size} one wave allocates} */
    private int blocksOf(int size) {
        return (int) Math.max(keepEvery, waveBytes / size);
    }

    @Override
    Task newTask(Worker worker) {
        long budget = settings().liveBytes() / settings().threads();
        int waveBlocks = Arrays.stream(SIZES).map(this::blocksOf).sum();
        long waveTotalBytes = Arrays.stream(SIZES).mapToLong(size -> (long) size * blocksOf(size)).sum();
        // Kept blocks average waveTotalBytes / waveBlocks; room for twice as many as the budget holds at that size.
        long keptCapacity = 2 * budget * waveBlocks / Math.max(1, waveTotalBytes) + 1024;
        Store kept = new Store(worker, (int) Math.min(Integer.MAX_VALUE - 16, keptCapacity));
        Batch wave = new Batch(worker, waveBlocks);
        ServerRequests requests = new ServerRequests(worker, 0, 0);
        return new Task() {
            @Override
            public void run(RunControl control) {
                int index = 0;
                while (control.running()) {
                    for (int size : SIZES) {
                        for (int i = blocksOf(size); i > 0; i--) {
                            if (index++ % keepEvery == 0) {
                                kept.evictDownTo(worker, budget - size);
                                kept.add(worker, size);
                            } else {
                                wave.allocate(worker, size);
                            }
                        }
                    }
                    wave.end(worker);
                    for (int i = 0; i < requestsBetweenWaves && control.running(); i++) {
                        requests.serve();
                    }
                }
            }

            @Override
            public long bytesHeld() {
                return kept.bytesHeld() + wave.bytesHeld() + requests.bytesHeld();
            }

            @Override
            public void clear(Worker owner) {
                kept.clear(owner);
            }
        };
    }

    @Override
    void coordinate(RunControl control) {
        control.sleep(settings().duration());
        control.stop();
    }

    @Override
    Map<String, String> parameters() {
        return Map.of("keep_every", Integer.toString(keepEvery), "wave_bytes", Long.toString(waveBytes),
                "requests_between_waves", Integer.toString(requestsBetweenWaves));
    }

    private static int[] sizes() {
        int[] sizes = new int[29];
        int n = 0;
        for (int power = 16; power <= 256 * 1024; power *= 2) {
            sizes[n++] = power;
            if (power < 256 * 1024) {
                sizes[n++] = power + power / 2;
            }
        }
        return sizes;
    }
}
