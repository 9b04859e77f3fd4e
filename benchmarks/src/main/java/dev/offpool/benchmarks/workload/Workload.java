package dev.offpool.benchmarks.workload;

import dev.offpool.benchmarks.workload.Arguments.Option;
import dev.offpool.benchmarks.workload.peers.Peers;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One workload: what each worker thread does with the peer, and how the coordinating thread paces the run through
 * its phases. {@link WorkloadRun} runs it; each workload's {@code main} reads its options and calls
 * {@link WorkloadMain}.
 */
abstract class Workload {
    /** The options every workload takes. */
    static final List<Option> COMMON_OPTIONS = List.of(
            new Option("peer", null, "the allocator: " + String.join(", ",
                    Peers.NAMES)),
            new Option("threads", "1", "worker threads (one more thread frees what they hand over)"),
            new Option("duration", "20s", "how long the workload runs (after any fill phase)"),
            new Option("live", "64m", "the long-lived live set: sessions, steady state, or pinned bytes"),
            new Option("seed", "1", "seed of the random sizes and choices: same seed, same requests for every peer"),
            new Option("sample-interval", "250ms", "time between two rows of the time series"),
            new Option("latency-every", "4", "time one allocation in this many"),
            new Option("out", ".", "directory for the run's CSV files"));

    private final Settings settings;

    Workload(Settings settings) {
        this.settings = settings;
    }

    /** {@return the workload's name, as in file names} */
    abstract String name();

    /** {@return the phase the run starts in} */
    abstract String firstPhase();

    /** {@return a new worker's work; called on the coordinating thread before the workers start} */
    abstract Task newTask(Worker worker);

    /**
     * Paces the run on the coordinating thread: sets phases, sleeps, and stops the run; returns once it is
     * stopped. Returns early if the run stops on its own (a worker failed).
     */
    abstract void coordinate(RunControl control) throws InterruptedException;

    /** {@return the workload's own parameters, for the summary} */
    abstract Map<String, String> parameters();

    final Settings settings() {
        return settings;
    }

    /** One worker's work. */
    interface Task {
        /** Works on the worker's thread until the run stops. */
        void run(RunControl control);

        /** {@return the bytes this worker holds, by walking its stores} Called while the worker waits. */
        long bytesHeld();

        /** Frees everything the worker still holds, on its own thread, at the end of the run. */
        void clear(Worker worker);
    }

    /**
     * The settings every workload has.
     *
     * @param threads        worker threads
     * @param duration       how long the workload runs (after any fill phase)
     * @param liveBytes      the long-lived live set
     * @param seed           the random seed
     * @param sampleInterval time between two samples
     * @param latencyEvery   one allocation in this many is timed
     */
    record Settings(int threads, Duration duration, long liveBytes, long seed, Duration sampleInterval,
                    int latencyEvery) {
        static Settings from(Arguments arguments) {
            return new Settings(arguments.integer("threads", 1), arguments.duration("duration"),
                    arguments.bytes("live"), arguments.integer("seed", 0), arguments.duration("sample-interval"),
                    arguments.integer("latency-every", 1));
        }
    }
}
