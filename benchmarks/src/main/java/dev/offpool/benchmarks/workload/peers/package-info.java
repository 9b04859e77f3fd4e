/**
 * The allocators of the workload study as the workloads drive them: each behind {@link
 * dev.offpool.benchmarks.workload.peers.Peer}, its blocks kept in slot stores ({@link
 * dev.offpool.benchmarks.workload.peers.Blocks}) so one workload code runs against every peer without boxing or
 * knowing buffer types. The bindings themselves (native mallocs, Netty's configuration) are reused from {@code
 * dev.offpool.benchmarks.peers}.
 */
package dev.offpool.benchmarks.workload.peers;
