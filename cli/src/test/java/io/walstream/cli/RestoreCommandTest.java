package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code walstream restore} with bad input: each case one line on stderr and the documented exit code. */
final class RestoreCommandTest {

    private static final String SEGMENT = "000000010000000000000003";
    private static final int SIZE = 1 << 20;

    @TempDir
    Path dir;
    @TempDir
    Path pgWal;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private byte[] segment;

    private int run(String... args) {
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

    @Test
    void aCompressedSegmentIsRestoredWhole() throws Exception {
        Files.write(dir.resolve(SEGMENT + ".gz"), gzip(segment));
        assertThat(run("restore", SEGMENT, pgWal.resolve("RECOVERYXLOG").toString(), "-D", dir.toString())).isZero();
        assertThat(pgWal.resolve("RECOVERYXLOG")).hasBinaryContent(segment);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(pgWal.resolve("RECOVERYXLOG")))).as("like PostgreSQL's own WAL")
                .isEqualTo("rw-------");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void aFileTheArchiveDoesNotHaveIsExitOneAndSilent() {
        assertThat(run("restore", SEGMENT, pgWal.resolve("RECOVERYXLOG").toString(), "-D", dir.toString())).isEqualTo(1);
        assertThat(err.toString()).isEmpty();
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aPathInsteadOfAFileNameIsRefused() throws Exception {
        Files.write(dir.resolve(SEGMENT), segment);
        for (String name : new String[] {"../" + SEGMENT, "/etc/passwd", "..", SEGMENT + "/x", "walstream.identity"}) {
            err.getBuffer().setLength(0);
            assertThat(run("restore", name, pgWal.resolve("x").toString(), "-D", dir.toString())).as(name).isEqualTo(2);
            assertThat(err.toString().lines()).as(name).singleElement().asString()
                    .contains("is not a WAL segment, .history or .backup file name");
        }
        assertThat(pgWal.resolve("x")).doesNotExist();
    }

    @Test
    void aMissingArchiveDirectoryIsAUsageErrorInOneLine() {
        assertThat(run("restore", SEGMENT, pgWal.resolve("x").toString(), "-D", dir.resolve("nope").toString()))
                .isEqualTo(2);
        assertThat(err.toString().lines()).containsExactly("walstream restore: archive directory "
                + dir.resolve("nope") + " does not exist");
    }

    @Test
    void aTruncatedSegmentIsNotRestored() throws Exception {
        Files.write(dir.resolve(SEGMENT), Arrays.copyOf(segment, 1000));
        assertThat(run("restore", SEGMENT, pgWal.resolve("RECOVERYXLOG").toString(), "-D", dir.toString())).isEqualTo(1);
        assertThat(err.toString().lines()).singleElement().asString().contains("holds 1000 bytes, not a whole segment")
                .contains("run walstream verify");
        assertThat(pgWal.resolve("RECOVERYXLOG")).doesNotExist();
        try (var left = Files.list(pgWal)) {
            assertThat(left).as("no temporary file left behind").isEmpty();
        }
    }

    @Test
    void aTruncatedOrJunkCompressedSegmentIsNotRestored() throws Exception {
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
}
