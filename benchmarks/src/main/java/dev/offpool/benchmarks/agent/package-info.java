/**
 * The agent's benchmarks: an {@code allocateDirect}-heavy workload with and without the agent
 * ({@link dev.offpool.benchmarks.agent.AgentBenchmark}), and the cost of the two ways to register a block for release
 * when its buffer dies ({@link dev.offpool.benchmarks.agent.ReleaseRegistrationBenchmark}).
 */
package dev.offpool.benchmarks.agent;
