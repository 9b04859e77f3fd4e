package dev.offpool.benchmarks.agent;

/** Where the build put the agent jar; generated from src/main/java-templates so JMH's {@code @Fork} can name it. */
final class AgentJar {
    /** The agent jar's path, as the benchmarks module's build resolved it. */
    static final String PATH = "${offpool.agent.jar}";

    private AgentJar() {
    }
}
