package dev.offpool.agent;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.VirtualMachine;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Options, reports, and the ways an agent meets an application: its own Byte Buddy, its loaders, an attach. */
class AgentStartupIT {

    @Test
    void exitReportListsTheCountersAndTheCallSites() {
        ForkedJvm.Result result = ForkedJvm.app().run("com.example.bufferapps.ReportApp", "0");
        assertEquals(0, result.exitCode(), result::toString);
        String report = result.stderr();
        assertTrue(report.contains("=== offpool agent report (at exit) ==="), result::toString);
        assertTrue(Pattern.compile("# direct buffers redirected +=  +10\\n").matcher(report).find(), report);
        assertTrue(Pattern.compile("# bytes held by redirected buffers +=  +10,000\\n").matcher(report).find(),
                report);
        assertTrue(Pattern.compile(" +10 +10,000 +10,000 +10 +0  com\\.example\\.bufferapps\\.ReportApp\\.holdMessage"
                + "\\(int\\):\\d+\\n +redirected").matcher(report).find(), report);
        assertTrue(report.contains("page source mmap"), report);
    }

    @Test
    void periodicReportsGoToTheChosenFile() throws IOException {
        Path file = Files.createTempFile("offpool-report", ".txt");
        Files.delete(file);
        ForkedJvm.Result result = ForkedJvm.app().agentOptions("report=100ms,reportTo=" + file)
                .run("com.example.bufferapps.ReportApp", "1000");
        assertEquals(0, result.exitCode(), result::toString);
        String reports = Files.readString(file);
        Files.delete(file);
        assertTrue(Pattern.compile("offpool agent report \\(every 100 ms\\)").matcher(reports).results().count() >= 2,
                reports);
        assertTrue(reports.contains("offpool agent report (at exit)"), reports);
        assertTrue(!result.stderr().contains("offpool agent report"), result::toString);
    }

    @Test
    void sitesFalseTurnsCallSiteAccountingOff() {
        ForkedJvm.Result result = ForkedJvm.app().agentOptions("sites=false")
                .run("com.example.bufferapps.ReportApp", "0");
        assertTrue(result.stderr().contains("call sites: not tracked (sites=false)"), result::toString);
        assertTrue(!result.stderr().contains("ReportApp.holdMessage"), result::toString);
    }

    @Test
    void malformedAgentOptionStopsStartUpNamingItAndListingEveryKey() {
        ForkedJvm.Result result = ForkedJvm.app().agentOptions("minBytes=abc")
                .run("com.example.bufferapps.ReportApp", "0");
        assertEquals(1, result.exitCode(), result::toString);
        assertTrue(result.stderr().startsWith("offpool agent: bad option 'minBytes=abc': not a size"),
                result::toString);
        for (String key : new String[] {"enabled=", "include=", "exclude=", "minBytes=", "maxBytes=",
                "slabMaxBytes=", "alwaysRedirect=", "neverRedirect=", "report=", "reportTo=", "honourInvokeCleaner=",
                "sites=", "bufferScope="}) {
            assertTrue(result.stderr().contains("  " + key), () -> key + " not listed:\n" + result);
        }
        assertTrue(!result.stdout().contains("holding"), "the app must not have run:\n" + result);
    }

    @Test
    void unknownSystemPropertyOptionStopsStartUp() {
        ForkedJvm.Result result = ForkedJvm.app().jvmOption("-Doffpool.agent.limt=5")
                .run("com.example.bufferapps.ReportApp", "0");
        assertEquals(1, result.exitCode(), result::toString);
        assertTrue(result.stderr().contains("bad option '-Doffpool.agent.limt=5': unknown key 'limt'"),
                result::toString);
    }

    @Test
    void appCarryingAnotherByteBuddyVersionRuns() {
        String appByteBuddy = System.getProperty("offpool.test.appByteBuddy");
        ForkedJvm.Result result = ForkedJvm.app()
                .classPath(ForkedJvm.APP_CLASSES + java.io.File.pathSeparator + appByteBuddy)
                .run("com.example.bufferapps.OtherByteBuddyApp").assertChecksPass();
        assertTrue(result.stdout().contains("VALUE appByteBuddy file:" + appByteBuddy), result::toString);
    }

    @Test
    void classesOfTheAppsOwnUrlClassLoaderAreRedirected() {
        ForkedJvm.app().run("com.example.bufferapps.PluginLoaderApp", ForkedJvm.APP_CLASSES.toString())
                .assertChecksPass();
    }

    @Test
    void attachingWithAMalformedOptionFailsAndLeavesTheApplicationAsItWas() throws Exception {
        Process process = new ProcessBuilder(ForkedJvm.app().withoutAgent()
                .jvmOption("-XX:+EnableDynamicAgentLoading").command("com.example.bufferapps.AttachApp", "refused"))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertNotNull(ready, "the app ended before it was ready");
            Matcher pid = Pattern.compile("READY (\\d+)").matcher(ready);
            assertTrue(pid.find(), ready);
            VirtualMachine vm = VirtualMachine.attach(pid.group(1));
            try {
                assertThrows(AgentInitializationException.class,
                        () -> vm.loadAgent(ForkedJvm.AGENT_JAR.toString(), "minBytes=abc"));
            } finally {
                vm.detach();
            }
            try (Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)) {
                in.write("go\n");
            }
            StringBuilder rest = new StringBuilder();
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                rest.append(line).append('\n');
            }
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            String output = rest.toString();
            assertTrue(output.contains("bad option 'minBytes=abc': not a size"), output);
            assertTrue(output.contains("CHECK aRefusedAttachLeavesEveryBufferTheJdks ok"), output);
            assertEquals(0, process.exitValue(), output);
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void attachingToARunningJvmRedirectsFromThenOn() throws Exception {
        attachAndCheck(pid -> {
            VirtualMachine vm = VirtualMachine.attach(pid);
            try {
                vm.loadAgent(ForkedJvm.AGENT_JAR.toString(), "report=0");
            } finally {
                vm.detach();
            }
        });
    }

    /** The README's command, as printed: {@code jcmd <pid> JVMTI.agent_load /path/to/offpool-agent.jar report:0}. */
    @Test
    void theReadmesJcmdAttachCommandWorks() throws Exception {
        attachAndCheck(pid -> {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process run = new ProcessBuilder(jcmd.toString(), pid, "JVMTI.agent_load", ForkedJvm.AGENT_JAR.toString(),
                    "report:0").redirectErrorStream(true).start();
            String printed = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(run.waitFor(60, TimeUnit.SECONDS), printed);
            assertEquals(0, run.exitValue(), printed);
            assertTrue(printed.contains("return code: 0"), printed);
        });
    }

    /** A running agent writes its report when the jar is attached again with {@code report:now}, through jcmd. */
    @Test
    void attachingAgainWithReportNowWritesTheReport() throws Exception {
        Process process = new ProcessBuilder(ForkedJvm.app().jvmOption("-XX:+EnableDynamicAgentLoading")
                .command("com.example.bufferapps.AttachApp", "refused")).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            String ready = out.readLine();
            while (ready != null && !ready.startsWith("READY")) {
                ready = out.readLine();
            }
            assertNotNull(ready, "the app ended before it was ready");
            Matcher pid = Pattern.compile("READY (\\d+)").matcher(ready);
            assertTrue(pid.find(), ready);
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process run = new ProcessBuilder(jcmd.toString(), pid.group(1), "JVMTI.agent_load",
                    ForkedJvm.AGENT_JAR.toString(), "report:now").redirectErrorStream(true).start();
            String printed = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(run.waitFor(60, TimeUnit.SECONDS), printed);
            assertTrue(printed.contains("return code: 0"), printed);
            StringBuilder report = new StringBuilder();
            for (String line = out.readLine(); line != null && !line.startsWith("class "); line = out.readLine()) {
                report.append(line).append('\n');
            }
            assertTrue(report.toString().contains("=== offpool agent report (on request) ==="), report::toString);
            assertTrue(report.toString().contains("AttachApp.allocate(int):"), report::toString);
        } finally {
            process.destroyForcibly();
        }
    }

    /** How a test attaches the agent to the JVM with this pid. */
    @FunctionalInterface
    private interface Attach {
        void to(String pid) throws Exception;
    }

    private static void attachAndCheck(Attach attach) throws Exception {
        Process process = new ProcessBuilder(ForkedJvm.app().withoutAgent()
                .jvmOption("-XX:+EnableDynamicAgentLoading").command("com.example.bufferapps.AttachApp"))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertNotNull(ready, "the app ended before it was ready");
            Matcher pid = Pattern.compile("READY (\\d+)").matcher(ready);
            assertTrue(pid.find(), ready);
            attach.to(pid.group(1));
            try (Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)) {
                in.write("go\n");
            }
            StringBuilder rest = new StringBuilder();
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                rest.append(line).append('\n');
            }
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            String output = rest.toString();
            assertTrue(output.contains("CHECK bufferMadeBeforeAttachStaysTheJdks ok"), output);
            assertTrue(output.contains("CHECK loadedClassIsRetransformedOnAttach ok"), output);
            assertTrue(output.contains("CHECKS DONE failures=0"), output);
            assertEquals(0, process.exitValue(), output);
        } finally {
            process.destroyForcibly();
        }
    }
}
