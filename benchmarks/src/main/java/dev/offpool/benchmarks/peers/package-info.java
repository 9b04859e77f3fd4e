/**
 * The allocators offpool is measured against, made callable from a benchmark: native mallocs as FFM downcalls (critical
 * by default, ordinary on request; plain and zeroing), the direct-buffer cleaner, and Netty's allocators as configured
 * for the comparison.
 */
package dev.offpool.benchmarks.peers;
