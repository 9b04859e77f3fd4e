/**
 * JMH benchmarks of offpool against its peers: the JDK's direct buffers and arenas, Netty's pooling allocators, and
 * glibc, mimalloc and jemalloc through FFM downcalls. One class per question; {@code benchmarks/run.sh} runs them and
 * prints the tables.
 */
package dev.offpool.benchmarks;
