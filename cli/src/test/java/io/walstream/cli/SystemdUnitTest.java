package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.walreceiver.conn.ConnectionSettings;
import io.walstream.walreceiver.conn.HostPort;
import io.walstream.walreceiver.conn.SslMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The systemd unit in packaging/systemd: no JVM flag but the operator's, flags receive accepts, valid for systemd. */
final class SystemdUnitTest {

    @Test
    void execStartRunsTheJarWithOnlyTheOperatorsJvmFlags() {
        List<String> exec = SystemdUnit.execStart();
        int jar = exec.indexOf("-jar");
        assertThat(exec.get(0)).isEqualTo("/usr/bin/java");
        // receive needs no JVM flag of its own (Chronicle Bytes' --add-opens left with the JMH benchmarks);
        // ReceiveServiceIT runs this ExecStart against a real server
        assertThat(exec.subList(1, jar)).containsExactly("$WALSTREAM_JAVA_OPTS");
        assertThat(exec.get(jar + 1)).isEqualTo("/opt/walstream/walstream.jar");
    }

    @Test
    void receiveAcceptsTheUnitsFlags() {
        List<String> exec = SystemdUnit.execStart();
        List<String> args = exec.subList(exec.indexOf("-jar") + 2, exec.size());
        CommandLine.ParseResult parsed = Walstream.commandLine().parseArgs(args.toArray(String[]::new));
        CommandLine.ParseResult receive = parsed.subcommand();
        assertThat(receive.commandSpec().name()).isEqualTo("receive");
        assertThat(receive.matchedOptionValue("-D", (Path) null)).isEqualTo(Path.of("/var/lib/walstream/archive"));
        assertThat(receive.hasMatchedOption("--metrics-port")).isTrue();
        assertThat(receive.matchedOptionValue("--progress", (Boolean) null)).isFalse(); // --no-progress: no terminal
        // The archive lives in the unit's StateDirectory, the one writable path under ProtectSystem=strict.
        assertThat(SystemdUnit.value("StateDirectory")).isEqualTo("walstream");
        assertThat(SystemdUnit.value("ReadWritePaths")).isEqualTo("/var/lib/walstream");
        // receive's stop hook waits up to 30 s for the flush; systemd must wait longer before SIGKILL.
        assertThat(SystemdUnit.value("TimeoutStopSec")).isEqualTo("60");
        assertThat(SystemdUnit.value("KillSignal")).isEqualTo("SIGTERM");
    }

    @Test
    void theExampleEnvironmentFileIsLibpqSettingsWalstreamUnderstands() {
        Map<String, String> env = SystemdUnit.envExample();
        ConnectionSettings s = ConnectionSettings.resolve(null, Map.of(), env, null, "root");
        assertThat(s.hosts()).containsExactly(new HostPort("db.example.com", 5432));
        assertThat(s.user()).isEqualTo("walstream");
        assertThat(s.password()).isEqualTo("change-me");
        assertThat(s.sslMode()).isEqualTo(SslMode.VERIFY_FULL);
        assertThat(s.sslRootCert()).isEqualTo(Path.of("/etc/walstream/root.crt"));
        assertThat(s.applicationName()).isEqualTo("walstream");
    }

    @Test
    void systemdAnalyzeVerifyAcceptsTheUnit() throws Exception {
        Path tool = Path.of("/usr/bin/systemd-analyze");
        // Not every build machine has systemd; there the two tests above are the check.
        if (!Files.isExecutable(tool)) {
            System.err.println("SystemdUnitTest: no systemd-analyze on this machine; unit not verified by systemd");
            return;
        }
        Process p = new ProcessBuilder(tool.toString(), "verify", SystemdUnit.UNIT.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        // systemd-analyze only warns (exit 0) about values it ignores, so any output about the unit is a failure.
        assertThat(output.lines().filter(l -> l.contains("walstream-receive.service"))).as(output).isEmpty();
        assertThat(p.exitValue()).as(output).isZero();
    }
}
