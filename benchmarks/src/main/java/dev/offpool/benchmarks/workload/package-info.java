/**
 * The workload study (issue 14): three programs that run a real-shaped workload against one allocator in their own
 * JVM, sampling throughput, allocation latency, memory and GC over time into CSV files. {@link
 * dev.offpool.benchmarks.workload.ServerWorkload} is a server's requests and sessions, {@link
 * dev.offpool.benchmarks.workload.BurstDrainWorkload} a burst to a peak and its drain, {@link
 * dev.offpool.benchmarks.workload.FragmenterWorkload} the pinning pattern at scale. {@code benchmarks/workloads.sh}
 * runs them against every peer; docs/WORKLOADS.md explains them and their figures.
 */
package dev.offpool.benchmarks.workload;
