package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.PgCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code walstream demo --non-interactive} against real servers, as CI runs it: the whole story to the end, with its
 * summary holding the checks; and a stop in the middle (what Ctrl-C does) leaving nothing behind.
 */
class DemoIT {

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void theDemoRunsToTheEndAndItsSummaryHolds(@TempDir Path tmp) throws Exception {
        // The servers run as another account when we are root: it must reach the demo directory.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dir = tmp.resolve("demo");
        ArchiveAndRestoreIT.StringOutput out = new ArchiveAndRestoreIT.StringOutput();
        ArchiveAndRestoreIT.StringOutput err = new ArchiveAndRestoreIT.StringOutput();
        var cl = Walstream.commandLine();
        cl.setOut(out.writer());
        cl.setErr(err.writer());
        int before = PgCluster.createdCount();

        int code = cl.execute("demo", "--non-interactive", "--json", "--dir", dir.toString());

        String json = out.toString();
        assertThat(code).as("exit code; stderr:%n%s", err).isZero();
        assertThat(err.toString()).contains(" 1. ", "10. ", "Summary", "SQLSTATE 25006", "checksums: equal");
        assertThat(field(json, "success")).isEqualTo("true");
        assertThat(field(json, "primary")).matches("[0-9a-f]{32}").isEqualTo(field(json, "standby"));
        assertThat(field(json, "equal")).isEqualTo("true");
        assertThat(field(json, "writeRefusedSqlState")).isEqualTo("\"25006\"");
        assertThat(field(json, "promotedTo")).isEqualTo("2");
        assertThat(field(json, "followed")).isEqualTo("true");
        assertThat(field(json, "clean")).isEqualTo("true");
        assertThat(Long.parseLong(field(json, "walBytesArchived"))).isGreaterThan(16L << 20);
        assertThat(dir.resolve("archive").resolve("00000002.history")).exists();
        // The demo's own servers are stopped and removed at the end.
        assertThat(PgCluster.created().subList(before, PgCluster.createdCount()))
                .allSatisfy(c -> assertThat(c.isRunning()).isFalse());
        assertThat(PgCluster.strayProcesses()).isEmpty();
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void stoppedMidwayItRemovesWhatItStarted(@TempDir Path tmp) throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dir = tmp.resolve("demo");
        Path log = tmp.resolve("demo.err");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process demo = new ProcessBuilder(java, "-jar", Path.of("target", "walstream.jar").toString(), "demo",
                "--non-interactive", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.currentTimeMillis() + 120_000;
            // Stop it while the hot standby is being built: primary, load, receiver and standby all running.
            while (!Files.readString(log).contains(" 5. ")) {
                assertThat(demo.isAlive()).as("demo ended early:%n%s", Files.readString(log)).isTrue();
                assertThat(System.currentTimeMillis()).as("no step 5 in 120 s:%n%s", Files.readString(log))
                        .isLessThan(deadline);
                Thread.sleep(100);
            }
            assertThat(dir.resolve("archive")).exists();
            demo.destroy(); // SIGTERM runs the same shutdown hook as Ctrl-C's SIGINT
            assertThat(demo.waitFor(90, TimeUnit.SECONDS)).as("demo did not exit:%n%s", Files.readString(log)).isTrue();
        } finally {
            demo.destroyForcibly();
        }
        String output = Files.readString(log);
        assertThat(output).contains("stopping and removing what it started");
        assertThat(dir).as(output).doesNotExist();
        assertThat(serverProcessesOf(demo.pid())).as(output).isEmpty();
        try (Stream<Path> left = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.startsWith("walstream-pg-" + demo.pid() + "-"));
        }
    }

    /** Processes whose working directory is under the demo JVM's pgcluster base directory (servers run there). */
    private static List<String> serverProcessesOf(long jvmPid) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cwd = Files.readSymbolicLink(p.resolve("cwd")).toString();
                    if (cwd.contains("walstream-pg-" + jvmPid + "-")) {
                        found.add(p.getFileName() + " " + cwd);
                    }
                } catch (IOException | SecurityException gone) {
                    // exited meanwhile, or not ours to look at
                }
            }
        }
        return found;
    }

    /** The value of the first {@code "name": value} in the JSON text, as written (strings keep their quotes). */
    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\": (\"[^\"]*\"|[^,\\n]+)").matcher(json);
        assertThat(m.find()).as("%s in%n%s", name, json).isTrue();
        String v = m.group(1).trim();
        return name.equals("primary") || name.equals("standby") ? v.replace("\"", "") : v;
    }
}
