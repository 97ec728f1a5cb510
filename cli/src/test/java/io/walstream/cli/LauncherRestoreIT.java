package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.Directories;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./walstream restore} as PostgreSQL runs it, through the repository's launcher: the first call that restores
 * a file writes the AppCDS archive of restore's classes, later calls map it, and the exit codes and output are
 * restore's own.
 */
class LauncherRestoreIT {

    private static final Path LAUNCHER = SystemdUnit.ROOT.resolve("walstream");
    private static final Path CDS_DIR = SystemdUnit.ROOT.resolve("cli/target/cds");
    private static final String SEGMENT = "000000010000000000000003";

    @TempDir
    Path archive;
    @TempDir
    Path pgWal;

    private record Run(int exit, String output) {
    }

    private static Run launch(Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of(LAUNCHER.toString()), Stream.of(args)).toList())
                .redirectErrorStream(true);
        pb.environment().remove("WALSTREAM_JAVA_OPTS");
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(output).isTrue();
        return new Run(p.exitValue(), output);
    }

    /**
     * From object storage, a segment the filler already fetched is taken by the launcher itself: one rename, no
     * JVM (JAVA names no program here), the segment noted for the filler; with few left and no filler running, it
     * starts one.
     */
    @Test
    void aPrefetchedSegmentIsRenamedByTheLauncherWithoutAJvm() throws Exception {
        Path prefetched = Files.createDirectories(pgWal.resolve(".walstream-prefetch"));
        byte[] bytes = new byte[16 << 20];
        for (int i = 3; i <= 6; i++) {
            bytes[0] = (byte) i;
            Files.write(prefetched.resolve(String.format("%08X%08X%08X", 1, 0, i)), bytes);
        }
        Path target = pgWal.resolve("RECOVERYXLOG");
        String[] restore = {"restore", SEGMENT, target.toString(), "-D", "s3://bucket/prefix", "--s3-endpoint",
            "http://127.0.0.1:1", "--prefetch", "4", "-v"};
        Run taken = launch(Map.of("JAVA", "/nonexistent/java"), restore);
        assertThat(taken.exit()).as(taken.output()).isZero();
        assertThat(taken.output()).contains("(prefetched)");
        assertThat(Files.readAllBytes(target)[0]).isEqualTo((byte) 3);
        assertThat(prefetched.resolve(SEGMENT)).doesNotExist();
        assertThat(Files.readString(prefetched.resolve(".asked")).strip()).isEqualTo(SEGMENT);
        assertThat(prefetched.resolve(".filler.log")).as("3 of 4 left: no filler").doesNotExist();

        restore[1] = "000000010000000000000004";
        Run second = launch(Map.of(), restore); // 2 of 4 left: a filler is started (its store is not there)
        assertThat(second.exit()).as(second.output()).isZero();
        assertThat(Files.readAllBytes(target)[0]).isEqualTo((byte) 4);
        io.walstream.pgcluster.junit.Await.until("the filler started and said why it gives up",
                java.time.Duration.ofSeconds(90), () -> readQuietly(prefetched.resolve(".filler.log"))
                        .contains("walstream restore"));

        restore[1] = "000000010000000000000009";
        restore[8] = "0";
        Run off = launch(Map.of("JAVA", "/nonexistent/java"), restore);
        assertThat(off.exit()).as("--prefetch 0 is the JVM's path").isNotZero();
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    void restoreWritesItsClassArchiveOnceThenMapsIt() throws Exception {
        assertThat(SystemdUnit.ROOT.resolve("cli/target/walstream.jar")).as("packaged before the ITs").exists();
        Directories.deleteRecursively(CDS_DIR);
        Files.writeString(archive.resolve("walstream.identity"), "system_identifier=1\nwal_segment_size=1048576\n");
        byte[] segment = new byte[1 << 20];
        new Random(5).nextBytes(segment);
        Files.write(archive.resolve(SEGMENT), segment);
        String target = pgWal.resolve("RECOVERYXLOG").toString();

        Run absentFirst = launch(Map.of(), "restore", "000000010000000000000004", target, "-D", archive.toString());
        assertThat(absentFirst.exit()).as(absentFirst.output()).isEqualTo(1);
        assertThat(absentFirst.output()).isEmpty();
        try (Stream<Path> files = Files.list(CDS_DIR)) {
            assertThat(files).as("a call that restored nothing keeps no archive: it loaded too few classes")
                    .noneMatch(f -> f.getFileName().toString().startsWith("restore-"));
        }

        Run first = launch(Map.of(), "restore", SEGMENT, target, "-D", archive.toString());
        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(first.output()).as("restore_command's output goes to the server log: nothing").isEmpty();
        assertThat(pgWal.resolve("RECOVERYXLOG")).hasBinaryContent(segment);
        List<Path> archives;
        try (Stream<Path> files = Files.list(CDS_DIR)) {
            archives = files.toList();
        }
        assertThat(archives).as("one archive, no temporary file left")
                .filteredOn(f -> f.getFileName().toString().startsWith("restore-")).singleElement().asString()
                .endsWith(".jsa");

        Path classLog = pgWal.resolve("classes.log");
        Files.delete(pgWal.resolve("RECOVERYXLOG"));
        Run second = launch(Map.of("WALSTREAM_JAVA_OPTS", "-Xlog:class+load:file=" + classLog),
                "restore", SEGMENT, target, "-D", archive.toString());
        assertThat(second.exit()).as(second.output()).isZero();
        assertThat(pgWal.resolve("RECOVERYXLOG")).hasBinaryContent(segment);
        assertThat(Files.readAllLines(classLog)).as("restore's classes come from the archive")
                .anyMatch(l -> l.contains("io.walstream.cli.OneShotRestore source: shared objects file (top)"))
                .as("restore does not load the metrics library: only receive --metrics-port does")
                .noneMatch(l -> l.contains(" io.micrometer.") || l.contains(" io.prometheus."));

        Run absent = launch(Map.of(), "restore", "000000010000000000000004", target, "-D", archive.toString());
        assertThat(absent.exit()).isEqualTo(1);
        assertThat(absent.output()).isEmpty();

        Run bad = launch(Map.of(), "restore", "../" + SEGMENT, target, "-D", archive.toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.output().lines()).singleElement().asString()
                .contains("is not a WAL segment, .history or .backup file name");

        Run withoutArchive = launch(Map.of("WALSTREAM_CDS", "off"), "restore", SEGMENT, target, "-D", archive.toString());
        assertThat(withoutArchive.exit()).as(withoutArchive.output()).isZero();
    }

    /**
     * receive runs with C1 alone (a restarted receiver catches up faster; its TLS is BoringSSL's, which the jar
     * carries for Linux x86-64), except with {@code --archive}, whose uploads hash with the JDK's MD5 and SHA-256,
     * which need C2's intrinsics.
     */
    @Test
    void receiveRunsWithC1AloneUnlessItUploadsToObjectStorage() throws Exception {
        Map<String, String> env = Map.of("WALSTREAM_CDS", "off", "WALSTREAM_JAVA_OPTS", "-XX:+PrintFlagsFinal");
        Run local = launch(env, "receive", "--help");
        assertThat(local.exit()).as(local.output()).isZero();
        boolean boringSsl = System.getProperty("os.name").equals("Linux")
                && System.getProperty("os.arch").equals("amd64");
        assertThat(tieredStopAtLevel(local.output())).isEqualTo(boringSsl ? "1" : "4");
        Run s3 = launch(env, "receive", "--archive", "s3://bucket/prefix", "--help");
        assertThat(s3.exit()).as(s3.output()).isZero();
        assertThat(tieredStopAtLevel(s3.output())).isEqualTo("4");
    }

    private static String tieredStopAtLevel(String printFlagsFinal) {
        return printFlagsFinal.lines().filter(l -> l.contains(" TieredStopAtLevel ")).findFirst()
                .map(l -> l.replaceAll(".*= *([0-9]+).*", "$1")).orElseThrow();
    }

    /**
     * serve (and receive, the same path) runs until stopped: the launcher passes SIGTERM on to java, which writes the
     * class archive as it exits; the next start maps it.
     */
    @Test
    void serveWritesItsClassArchiveWhenStoppedThenMapsIt() throws Exception {
        Files.writeString(archive.resolve("walstream.identity"), "system_identifier=1\nwal_segment_size=1048576\n");
        try (Stream<Path> files = Files.exists(CDS_DIR) ? Files.list(CDS_DIR) : Stream.empty()) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("serve-")).toList()) {
                Files.delete(f);
            }
        }
        Path log = pgWal.resolve("serve.log");
        assertThat(serveUntilStopped(Map.of(), log)).as(Files.readString(log)).isZero();
        assertThat(Files.readString(log)).contains("walstream serve: stopped");
        try (Stream<Path> files = Files.list(CDS_DIR)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("serve-")).toList())
                    .as("one archive, no temporary file left").singleElement().asString().endsWith(".jsa");
        }

        Path classLog = pgWal.resolve("classes.log");
        assertThat(serveUntilStopped(Map.of("WALSTREAM_JAVA_OPTS", "-Xlog:class+load:file=" + classLog), log))
                .as(Files.readString(log)).isZero();
        assertThat(Files.readAllLines(classLog)).as("serve's classes come from the archive")
                .anyMatch(l -> l.contains("io.walstream.serve.WalServer source: shared objects file (top)"));
    }

    /** Starts {@code ./walstream serve}, waits until it answers, stops the launcher with SIGTERM; its exit code. */
    private int serveUntilStopped(Map<String, String> env, Path log) throws Exception {
        int port = io.walstream.pgcluster.FreePort.loopback();
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "serve", "-D", archive.toString(), "--listen",
                "127.0.0.1:" + port).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("WALSTREAM_JAVA_OPTS");
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!answers(port)) {
                assertThat(p.isAlive()).as("serve is running: %s", Files.readString(log)).isTrue();
                assertThat(System.nanoTime()).as("serve answers within 60 s").isLessThan(deadline);
                Thread.sleep(50);
            }
            p.destroy(); // SIGTERM to the launcher, as systemd or kill sends it
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
            return p.exitValue();
        } finally {
            p.destroyForcibly();
        }
    }

    private static boolean answers(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
