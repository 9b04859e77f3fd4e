/**
 * The agent proper: {@code premain}/{@code agentmain} ({@link dev.offpool.agent.install.OffPoolAgent}), option
 * parsing, the class selection and the Byte Buddy declaration. Loaded by the application class loader from the agent
 * jar together with the relocated Byte Buddy; none of it is visible from the bootstrap side.
 */
package dev.offpool.agent.install;
