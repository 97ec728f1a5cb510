package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code walstream verify} in-process: exit codes, where output goes, and the JSON shape. */
final class VerifyCommandTest {

    private static final long SYSID = SyntheticArchive.SYSID;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Walstream.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private void segments(long from, long to) throws Exception {
        SyntheticArchive.write(dir, from, to, false);
    }

    @Test
    void aCleanArchiveExitsZeroAndPrintsJsonOnStdout() throws Exception {
        segments(1, 3);
        assertThat(run("verify", "-D", dir.toString(), "--json")).isZero();
        String json = out.toString().strip();
        assertThat(json).startsWith("{").endsWith("}")
            .contains("\"directory\": \"" + dir.toAbsolutePath() + "\"")
            .contains("\"clean\": true")
            .contains("\"errors\": 0")
            .contains("\"systemIdentifier\": \"" + SYSID + "\"")
            .contains("\"segmentSize\": 1048576")
            .contains("\"serverMajor\": 17")
            .contains("\"complete\": 3")
            .contains("\"recordsVerified\": 3")
            .contains("\"firstSegment\": \"000000010000000000000001\"")
            .contains("\"lastSegment\": \"000000010000000000000003\"")
            .contains("\"verifiedEnd\": \"0/400000\"") // the last record is a switch: its segment is verified whole
            .contains("\"findings\": []");
        assertThat(err.toString()).contains("3 segments").contains("ok (0 errors, 0 warnings)");
    }

    @Test
    void aGapExitsOneWithTheFindingOnStderrAndInTheJson() throws Exception {
        segments(1, 1);
        segments(3, 3);
        assertThat(run("verify", "-D", dir.toString(), "--json")).isEqualTo(1);
        assertThat(err.toString().lines().filter(l -> l.startsWith("ERROR")))
            .containsExactly("ERROR GAP 000000010000000000000002 at 0/200000: missing segment 000000010000000000000002:"
                + " WAL from 0/200000 to 0/300000 on timeline 1 is not in the archive");
        assertThat(out.toString()).contains("\"clean\": false").contains("\"severity\": \"ERROR\"")
            .contains("\"kind\": \"GAP\"").contains("\"file\": \"000000010000000000000002\"")
            .contains("\"lsn\": \"0/200000\"");
    }

    @Test
    void withoutJsonStdoutStaysEmptyAndWarningsDoNotFail() throws Exception {
        Files.createDirectories(dir);
        assertThat(run("verify", "-D", dir.toString())).isZero();
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).contains("WARNING IDENTITY_MISSING").contains("WARNING EMPTY");
    }

    @Test
    void aMissingDirectoryIsAUsageErrorInOneLine() {
        assertThat(run("verify", "-D", dir.resolve("nope").toString(), "--json")).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString().lines()).containsExactly("walstream verify: archive directory "
            + dir.resolve("nope") + " does not exist");
    }

    @Test
    void withoutADirectoryItIsAUsageError() {
        assertThat(run("verify")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--directory=DIR'");
    }
}
