/**
 * The offpool agent's public, read-only view: {@link dev.offpool.agent.Redirects} (counters, call sites, the report,
 * and the explicit free), whose counters are core's {@link dev.offpool.spi.RedirectSource.Totals} and
 * {@link dev.offpool.spi.RedirectSource.Site}, the same records JFR and JMX read. When the agent runs these classes
 * are on the bootstrap class path, so every class loader sees the one running agent.
 */
package dev.offpool.agent;
