package dev.offpool.agent.install;

import dev.offpool.agent.install.AgentOptions.AgentOptionException;

import java.lang.instrument.Instrumentation;

/**
 * The agent's entry points: {@code premain} for {@code -javaagent:offpool-agent.jar[=options]}, {@code agentmain}
 * for an attach to a running JVM.
 *
 * {@snippet lang = "shell" :
 * java -javaagent:offpool-agent.jar=report=10s,exclude=com.acme.legacy.* \
 *      --enable-native-access=ALL-UNNAMED -jar app.jar
 * }
 *
 * <p>Start-up, in order: read the options (a malformed one stops here, see {@link AgentOptions#USAGE}); append the
 * runtime jar embedded in this one to the bootstrap class path ({@link RuntimeJar}); start the redirect runtime and
 * instrument ({@link Instrumenter}). This class refers to nothing on the bootstrap side, so no runtime class can be
 * resolved through the application class loader before the runtime jar is in place.
 */
public final class OffPoolAgent {
    private OffPoolAgent() {
    }

    /**
     * Starts the agent before {@code main}. A malformed option prints one message naming it, with every valid key
     * and form, and ends the JVM with status 1: a deployment that asked for the agent should not run without it
     * unnoticed. Any other failure to start (the agent given twice, a JVM that cannot retransform) is printed and the
     * application runs without the agent.
     *
     * @param agentArgs the options after {@code =}, or null
     * @param inst      the JVM's instrumentation
     */
    public static void premain(String agentArgs, Instrumentation inst) {
        AgentOptions options;
        try {
            options = AgentOptions.parse(agentArgs, System.getProperties());
        } catch (AgentOptionException e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        try {
            start(options, inst, false);
        } catch (RuntimeException | LinkageError e) {
            // The options were fine, so the application was meant to run: it does, with the JDK's buffers.
            System.err.println("offpool agent: could not start, the application runs without this agent: " + e);
        }
    }

    /**
     * Starts the agent in a running JVM: already loaded classes that the options select are retransformed; buffers
     * they made before stay the JDK's. A malformed option, or an agent already running, makes the attach fail (the
     * attaching tool gets {@code AgentInitializationException}) and leaves the JVM as it was.
     *
     * @param agentArgs the options after {@code =}, or null
     * @param inst      the JVM's instrumentation
     * @throws IllegalArgumentException for a malformed option
     * @throws IllegalStateException    if the agent runs in this JVM already
     */
    public static void agentmain(String agentArgs, Instrumentation inst) {
        if (agentArgs != null && (agentArgs.strip().equals("report=now") || agentArgs.strip().equals("report:now"))) {
            reportNow();
            return;
        }
        start(AgentOptions.parse(agentArgs, System.getProperties()), inst, true);
    }

    /**
     * {@code report=now} (or {@code report:now}, as jcmd needs it) alone: the running agent writes its report now,
     * where its periodic reports go. Only then is the runtime reached, which an earlier start put on the bootstrap
     * class path.
     *
     * @throws IllegalStateException if no agent runs in this JVM
     */
    private static void reportNow() {
        if (!RuntimeJar.isOnBootstrapPath()) {
            throw new IllegalStateException("offpool agent: report=now asks the running agent for its report, and"
                    + " no agent runs in this JVM; attach it first without report=now");
        }
        Instrumenter.reportNow();
    }

    private static void start(AgentOptions options, Instrumentation inst, boolean attached) {
        if (!options.enabled()) {
            return;
        }
        if (!inst.isRetransformClassesSupported()) {
            throw new IllegalStateException("offpool agent: this JVM cannot retransform classes");
        }
        RuntimeJar.appendToBootstrapSearch(inst);
        Instrumenter.install(options, inst, attached);
    }
}
