package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.walstream.walreceiver.conn.ConnectionSettings;
import io.walstream.walreceiver.conn.HostPort;
import io.walstream.walreceiver.conn.SslMode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The systemd unit in packaging/systemd: C1 and the operator's JVM flags, flags receive accepts, valid for systemd. */
final class SystemdUnitTest {

    @Test
    void execStartRunsTheJarWithOnlyTheOperatorsJvmFlags() {
        List<String> exec = SystemdUnit.execStart();
        int jar = exec.indexOf("-jar");
        assertThat(exec.get(0)).isEqualTo("/usr/bin/java");
        // C1 only, as the launcher runs receive without --archive (Chronicle Bytes' --add-opens left with the JMH
        // benchmarks); ReceiveServiceIT runs this ExecStart against a real server
        assertThat(exec.subList(1, jar)).containsExactly("-XX:TieredStopAtLevel=1", "$WALSTREAM_JAVA_OPTS");
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

    /** The unit is valid for systemd by {@link SystemdUnit#problems} (what systemd-analyze verify would complain about). */
    @Test
    void theUnitPassesTheBuiltInCheck() {
        assertThat(SystemdUnit.problems(SystemdUnit.read(SystemdUnit.UNIT))).as("%s", SystemdUnit.UNIT).isEmpty();
    }

    /**
     * The unit is valid for systemd itself: systemd-analyze verify says nothing about it, and complains about a copy
     * with a misspelled directive (so that its silence means something). Where systemd-analyze is not installed this
     * test is reported skipped, naming why, never passed; .ci/run installs it.
     */
    @Test
    void systemdAnalyzeVerifyAcceptsTheUnit(TestReporter report, @TempDir Path tmp) throws Exception {
        Optional<Path> tool = onPath("systemd-analyze");
        assumeTrue(tool.isPresent(), "systemd-analyze is not installed (Debian/Ubuntu package systemd; .ci/run"
                + " installs it): the unit was checked by SystemdUnit.problems only");
        assertThat(systemdAnalyzeVerify(tool.get(), SystemdUnit.UNIT)).as("systemd-analyze verify %s",
                SystemdUnit.UNIT).isEmpty();
        Path broken = tmp.resolve(SystemdUnit.UNIT.getFileName());
        Files.writeString(broken, SystemdUnit.read(SystemdUnit.UNIT).replace("KillSignal=", "KillSignall="));
        assertThat(systemdAnalyzeVerify(tool.get(), broken)).as("systemd-analyze on a misspelled directive")
                .anyMatch(l -> l.contains("KillSignall"));
        report.publishEntry("systemd-analyze", "verify: no complaint about the unit");
    }

    @Test
    void theBuiltInCheckFindsWhatSystemdWouldComplainAbout() {
        String unit = SystemdUnit.read(SystemdUnit.UNIT);
        assertThat(SystemdUnit.problems(unit.replace("KillSignal=", "KillSignall=")))
                .singleElement().asString().contains("unknown key KillSignall in [Service]");
        assertThat(SystemdUnit.problems(unit.replace("TimeoutStopSec=60", "TimeoutStopSec=a minute")))
                .singleElement().asString().contains("TimeoutStopSec is not a time span");
        assertThat(SystemdUnit.problems(unit.replace("Restart=on-failure", "Restart=on-failures")))
                .singleElement().asString().contains("Restart is none of");
        assertThat(SystemdUnit.problems(unit.replace("ExecStart=/usr/bin/java", "ExecStart=java")))
                .singleElement().asString().contains("ExecStart does not start with an absolute path");
        assertThat(SystemdUnit.problems(unit.replace("[Install]", "[Instal]")))
                .contains("no WantedBy= in [Install]").anyMatch(p -> p.contains("unknown section [Instal]"));
        assertThat(SystemdUnit.problems(unit.replace("NoNewPrivileges=yes", "NoNewPrivileges=sure")))
                .singleElement().asString().contains("NoNewPrivileges is not a boolean");
    }

    /** The lines of systemd-analyze verify's output about {@code unit} (it warns, exit 0, on what it ignores). */
    private static List<String> systemdAnalyzeVerify(Path tool, Path unit) throws Exception {
        Process p = new ProcessBuilder(tool.toString(), "verify", unit.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("systemd-analyze finished").isTrue();
        List<String> about = output.lines().filter(l -> l.contains(unit.getFileName().toString())).toList();
        if (p.exitValue() != 0) {
            return Stream.concat(about.stream(), Stream.of("exit " + p.exitValue()
                    + ": " + output)).toList();
        }
        return about;
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Arrays.stream(path.split(File.pathSeparator)).map(d -> Path.of(d, program))
                .filter(Files::isExecutable).findFirst();
    }
}
