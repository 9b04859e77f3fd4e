/**
 * Real servers for the agent's study on servers (issue 18): a Jetty 12 server on its core {@code Handler} API
 * ({@link dev.offpool.benchmarks.servers.JettyServer}) and a Netty 4.2 HTTP server
 * ({@link dev.offpool.benchmarks.servers.NettyServer}), both serving the same {@link
 * dev.offpool.benchmarks.servers.Endpoint}s with bodies a client can check byte for byte. {@code benchmarks/servers.sh}
 * loads them with {@code wrk}, with and without the agent; docs/WORKLOADS.md, "Real servers", explains the runs.
 */
package dev.offpool.benchmarks.servers;
