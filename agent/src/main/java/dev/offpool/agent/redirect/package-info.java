/**
 * What instrumented call sites call ({@link dev.offpool.agent.redirect.BufferRedirect}) and the runtime behind it:
 * the redirector, the table of live blocks, call-site counters and the report. On the bootstrap class path at run
 * time; public only so that instrumented classes in any package and loader can link to it. Not API.
 */
package dev.offpool.agent.redirect;
