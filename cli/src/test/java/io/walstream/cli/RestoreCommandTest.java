package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;

/**
 * {@code walstream restore} with bad input: each case one line on stderr and the documented exit code, the same
 * through picocli's command tree and through the one-shot path {@code Walstream.main} takes for the plain form.
 */
final class RestoreCommandTest {

    /** The two ways into restore. */
    enum Entry { PICOCLI, ONE_SHOT }

    private static final String SEGMENT = "000000010000000000000003";
    private static final int SIZE = 1 << 20;

    @TempDir
    Path dir;
    @TempDir
    Path pgWal;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private byte[] segment;

    private Entry entry = Entry.PICOCLI;

    private int run(String... args) {
        if (entry == Entry.ONE_SHOT) {
            OneShotRestore.Request request = OneShotRestore.parse(args);
            assertThat(request).as("the plain form takes the one-shot path: %s", List.of(args)).isNotNull();
            return OneShotRestore.execute(request, new PrintWriter(err, true));
        }
        CommandLine cl = Walstream.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @BeforeEach
    void archive() throws Exception {
        Files.writeString(dir.resolve("walstream.identity"), "system_identifier=1\nwal_segment_size=" + SIZE + "\n");
        segment = new byte[SIZE];
        new Random(3).nextBytes(segment);
    }

    private static byte[] gzip(byte[] plain) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(plain);
        }
        return bytes.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void aCompressedSegmentIsRestoredWhole(Entry entry) throws Exception {
        this.entry = entry;
        Files.write(dir.resolve(SEGMENT + ".gz"), gzip(segment));
        assertThat(run("restore", SEGMENT, pgWal.resolve("RECOVERYXLOG").toString(), "-D", dir.toString())).isZero();
        assertThat(pgWal.resolve("RECOVERYXLOG")).hasBinaryContent(segment);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(pgWal.resolve("RECOVERYXLOG")))).as("like PostgreSQL's own WAL")
                .isEqualTo("rw-------");
        assertThat(err.toString()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void aFileTheArchiveDoesNotHaveIsExitOneAndSilent(Entry entry) {
        this.entry = entry;
        assertThat(run("restore", SEGMENT, pgWal.resolve("RECOVERYXLOG").toString(), "-D", dir.toString())).isEqualTo(1);
        assertThat(err.toString()).isEmpty();
        assertThat(out.toString()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void aPathInsteadOfAFileNameIsRefused(Entry entry) throws Exception {
        this.entry = entry;
        Files.write(dir.resolve(SEGMENT), segment);
        for (String name : new String[] {"../" + SEGMENT, "/etc/passwd", "..", SEGMENT + "/x", "walstream.identity"}) {
            err.getBuffer().setLength(0);
            assertThat(run("restore", name, pgWal.resolve("x").toString(), "-D", dir.toString())).as(name).isEqualTo(2);
            assertThat(err.toString().lines()).as(name).singleElement().asString()
                    .contains("is not a WAL segment, .history or .backup file name");
        }
        assertThat(pgWal.resolve("x")).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void aMissingArchiveDirectoryIsAUsageErrorInOneLine(Entry entry) {
        this.entry = entry;
        assertThat(run("restore", SEGMENT, pgWal.resolve("x").toString(), "-D", dir.resolve("nope").toString()))
                .isEqualTo(2);
        assertThat(err.toString().lines()).containsExactly("walstream restore: archive directory "
                + dir.resolve("nope") + " does not exist");
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void aTruncatedSegmentIsNotRestored(Entry entry) throws Exception {
        this.entry = entry;
        Files.write(dir.resolve(SEGMENT), Arrays.copyOf(segment, 1000));
        assertThat(run("restore", SEGMENT, pgWal.resolve("RECOVERYXLOG").toString(), "-D", dir.toString())).isEqualTo(1);
        assertThat(err.toString().lines()).singleElement().asString().contains("holds 1000 bytes, not a whole segment")
                .contains("run walstream verify");
        assertThat(pgWal.resolve("RECOVERYXLOG")).doesNotExist();
        try (var left = Files.list(pgWal)) {
            assertThat(left).as("no temporary file left behind").isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void aTruncatedOrJunkCompressedSegmentIsNotRestored(Entry entry) throws Exception {
        this.entry = entry;
        byte[] gz = gzip(segment);
        Files.write(dir.resolve(SEGMENT + ".gz"), Arrays.copyOf(gz, gz.length / 2));
        assertThat(run("restore", SEGMENT, pgWal.resolve("RECOVERYXLOG").toString(), "-D", dir.toString())).isEqualTo(1);
        assertThat(err.toString().lines()).singleElement().asString().contains("could not restore " + SEGMENT + ".gz");

        err.getBuffer().setLength(0);
        Files.write(dir.resolve(SEGMENT + ".gz"), "not gzip at all".getBytes());
        assertThat(run("restore", SEGMENT, pgWal.resolve("RECOVERYXLOG").toString(), "-D", dir.toString())).isEqualTo(1);
        assertThat(err.toString().lines()).singleElement().asString().contains("could not restore " + SEGMENT + ".gz");
        assertThat(pgWal.resolve("RECOVERYXLOG")).doesNotExist();
    }

    @Test
    void theOneShotPathTakesOnlyThePlainFormAndLeavesTheRestToPicocli() {
        assertThat(OneShotRestore.parse(new String[] {"restore", SEGMENT, "pg_wal/RECOVERYXLOG", "-D", "/a"}))
                .isEqualTo(new OneShotRestore.Request(SEGMENT, Path.of("pg_wal/RECOVERYXLOG"), Path.of("/a"), false, false));
        assertThat(OneShotRestore.parse(new String[] {"restore", "-D", "/a", SEGMENT, "x", "--partial", "-v"}))
                .isEqualTo(new OneShotRestore.Request(SEGMENT, Path.of("x"), Path.of("/a"), true, true));
        assertThat(OneShotRestore.parse(new String[] {"restore", SEGMENT, "x", "--directory=/a", "--verbose"}))
                .isEqualTo(new OneShotRestore.Request(SEGMENT, Path.of("x"), Path.of("/a"), false, true));
        assertThat(OneShotRestore.parse(new String[] {"restore", SEGMENT, "x", "--directory", "/a"})).isNotNull();
        for (String[] args : new String[][] {
            {}, {"receive", "-D", "/a"}, {"restore"}, {"restore", "--help"}, {"restore", "-h"}, {"restore", "-V"},
            {"restore", SEGMENT, "x"}, {"restore", SEGMENT, "-D", "/a"}, {"restore", SEGMENT, "x", "y", "-D", "/a"},
            {"restore", SEGMENT, "x", "-D", "/a", "-D", "/b"}, {"restore", SEGMENT, "x", "-D/a"},
            {"restore", SEGMENT, "x", "-D"}, {"restore", SEGMENT, "x", "-D", "--partial"},
            {"restore", SEGMENT, "x", "-D", "/a", "--unknown"}, {"restore", SEGMENT, "x", "-D", "/a", "-vv"},
            {"restore", SEGMENT, "x", "-D", "/a", "--partial", "--partial"}, {"restore", "--", SEGMENT, "x", "-D", "/a"},
            {"restore", "@args", "-D", "/a"}, {"restore", "", "x", "-D", "/a"}, {"restore", SEGMENT, "x", "-D", ""}
        }) {
            assertThat(OneShotRestore.parse(args)).as(List.of(args).toString()).isNull();
        }
    }

    @Test
    void picocliStillAnswersWhatTheOneShotPathLeavesToIt() {
        assertThat(run("restore", SEGMENT, "x")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--directory=DIR'");
        err.getBuffer().setLength(0);
        assertThat(run("restore", SEGMENT, "x", "-D", dir.toString(), "--unknown")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option: '--unknown'");
        assertThat(run("restore", "--help")).isZero();
        assertThat(out.toString()).contains("Copy one WAL file from the archive");
    }

    /**
     * The point of the one-shot path: a restore process loads neither picocli nor logback (nor Netty). Run as
     * PostgreSQL runs it, a new JVM through {@code Walstream.main}, with class loading logged.
     */
    @Test
    void aRestoreProcessLoadsNeitherPicocliNorLoggingNorNetty() throws Exception {
        Files.write(dir.resolve(SEGMENT), segment);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-verbose:class",
                "-cp", System.getProperty("java.class.path"), Walstream.class.getName(),
                "restore", SEGMENT, pgWal.resolve("RECOVERYXLOG").toString(), "-D", dir.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(output).isZero();
        assertThat(pgWal.resolve("RECOVERYXLOG")).hasBinaryContent(segment);
        assertThat(output).contains("io.walstream.cli.OneShotRestore")
                .doesNotContain("picocli.").doesNotContain("ch.qos.logback").doesNotContain("org.slf4j")
                .doesNotContain("io.netty");
    }
}
