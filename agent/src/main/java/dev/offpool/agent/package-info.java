/**
 * The offpool agent's public, read-only view: {@link dev.offpool.agent.Redirects} (counters, call sites, the report,
 * and the explicit free), {@link dev.offpool.agent.RedirectStats} and {@link dev.offpool.agent.SiteStats}. When the
 * agent runs these classes are on the bootstrap class path, so every class loader sees the one running agent.
 */
package dev.offpool.agent;
