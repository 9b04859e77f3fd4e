package dev.offpool.benchmarks.workload.report;

import dev.offpool.benchmarks.workload.report.RunData.Sample;

import java.util.Arrays;
import java.util.List;

/**
 * The figures of one run, computed from its time series as docs/WORKLOADS.md defines them.
 *
 * <ul>
 * <li><b>Measured window</b>: from the last sample of the {@code fill} phase (or the start, if there is none) to the
 *   last sample. Throughput is the allocations (requests) in it over its length.</li>
 * <li><b>Off-heap RSS</b>: a sample's RSS minus the RSS read before the workers started (the Java heap is pre-touched,
 *   so this is the memory the peer took, plus a few MiB of JIT code and stacks).</li>
 * <li><b>Steady half</b>: the samples of the measured window's second half. Mean and peak off-heap RSS, and the
 *   ratio of off-heap RSS to live bytes (mean and largest), are taken over it; the ratio is not given for the burst
 *   workload, whose live bytes change by design.</li>
 * <li><b>Burst</b>: steady RSS is the median off-heap RSS over the last third (by time) of the {@code steady} phase;
 *   peak is the largest in {@code burst} and {@code hold}; recovery is the time from the first {@code after} sample to
 *   the first sample at most {@value #RECOVERED_WITHIN} times the steady RSS, and whether every later sample stays
 *   there.</li>
 * </ul>
 *
 * @param run                  the run
 * @param allocationsPerSecond allocations per second over the measured window
 * @param requestsPerSecond    requests per second over the measured window
 * @param offHeapMeanMiB       mean off-heap RSS over the steady half
 * @param offHeapPeakMiB       largest off-heap RSS over the steady half
 * @param ratioMean            mean of off-heap RSS / live bytes over the steady half, NaN for the burst workload
 * @param ratioMax             largest of it, NaN for the burst workload
 * @param burst                the burst figures, or {@code null} for the other workloads
 */
record RunFigures(RunData run, double allocationsPerSecond, double requestsPerSecond, double offHeapMeanMiB,
                  double offHeapPeakMiB, double ratioMean, double ratioMax, Burst burst) {
    /** Within this factor of its steady-state RSS, a peer has recovered from the burst. */
    static final double RECOVERED_WITHIN = 1.10;
    static final String BURST_WORKLOAD = "burst";

    /**
     * @param steadyMiB       median off-heap RSS at the end of the steady phase
     * @param peakMiB         largest off-heap RSS during the burst and the hold
     * @param endMiB          off-heap RSS at the last sample
     * @param recoverySeconds from the first {@code after} sample to the first sample within
     *                        {@link #RECOVERED_WITHIN} of steady, or NaN if none is
     * @param staysRecovered  whether every sample from then on is within it too
     */
    record Burst(double steadyMiB, double peakMiB, double endMiB, double recoverySeconds, boolean staysRecovered) {
    }

    static RunFigures of(RunData run) {
        List<Sample> samples = run.samples();
        if (samples.isEmpty()) {
            throw new IllegalArgumentException(run.name() + " has no samples");
        }
        int lastFill = -1;
        for (int i = 0; i < samples.size(); i++) {
            if (samples.get(i).phase().equals("fill")) {
                lastFill = i;
            }
        }
        Sample first = lastFill >= 0 ? samples.get(lastFill) : new Sample(0, "", 0, 0, 0, 0, -1);
        Sample last = samples.getLast();
        double seconds = Math.max(1, last.elapsedMillis() - first.elapsedMillis()) / 1000.0;
        double allocationsPerSecond = (last.allocations() - first.allocations()) / seconds;
        double requestsPerSecond = (last.requests() - first.requests()) / seconds;

        long middle = (first.elapsedMillis() + last.elapsedMillis()) / 2;
        List<Sample> steadyHalf = samples.subList(lastFill + 1, samples.size()).stream()
                .filter(sample -> sample.elapsedMillis() >= middle).toList();
        double sum = 0;
        double peak = Double.NEGATIVE_INFINITY;
        double ratioSum = 0;
        double ratioMax = Double.NEGATIVE_INFINITY;
        for (Sample sample : steadyHalf) {
            double offHeap = run.offHeapMiB(sample);
            sum += offHeap;
            peak = Math.max(peak, offHeap);
            double ratio = offHeap * 1024 * 1024 / Math.max(1, sample.liveBytes());
            ratioSum += ratio;
            ratioMax = Math.max(ratioMax, ratio);
        }
        int n = steadyHalf.size();
        boolean burstWorkload = BURST_WORKLOAD.equals(run.workload());
        return new RunFigures(run, allocationsPerSecond, requestsPerSecond, n == 0 ? Double.NaN : sum / n,
                n == 0 ? Double.NaN : peak, burstWorkload || n == 0 ? Double.NaN : ratioSum / n,
                burstWorkload || n == 0 ? Double.NaN : ratioMax, burstWorkload ? burst(run) : null);
    }

    private static Burst burst(RunData run) {
        List<Sample> samples = run.samples();
        List<Sample> steady = samples.stream().filter(sample -> sample.phase().equals("steady")).toList();
        double steadyMiB = Double.NaN;
        if (!steady.isEmpty()) {
            long from = steady.getFirst().elapsedMillis()
                    + 2 * (steady.getLast().elapsedMillis() - steady.getFirst().elapsedMillis()) / 3;
            steadyMiB = median(steady.stream().filter(sample -> sample.elapsedMillis() >= from)
                    .mapToDouble(run::offHeapMiB).toArray());
        }
        double peakMiB = samples.stream().filter(sample -> sample.phase().equals("burst")
                || sample.phase().equals("hold")).mapToDouble(run::offHeapMiB).max().orElse(Double.NaN);
        int after = -1;
        for (int i = 0; i < samples.size() && after < 0; i++) {
            if (samples.get(i).phase().equals("after")) {
                after = i;
            }
        }
        double recovery = Double.NaN;
        boolean stays = false;
        if (after >= 0 && !Double.isNaN(steadyMiB)) {
            double limit = RECOVERED_WITHIN * steadyMiB;
            for (int i = after; i < samples.size(); i++) {
                if (run.offHeapMiB(samples.get(i)) <= limit) {
                    recovery = (samples.get(i).elapsedMillis() - samples.get(after).elapsedMillis()) / 1000.0;
                    stays = samples.subList(i, samples.size()).stream()
                            .allMatch(sample -> run.offHeapMiB(sample) <= limit);
                    break;
                }
            }
        }
        return new Burst(steadyMiB, peakMiB, run.offHeapMiB(samples.getLast()), recovery, stays);
    }

    private static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int half = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
    }
}
