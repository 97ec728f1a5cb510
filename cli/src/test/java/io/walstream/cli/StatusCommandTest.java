package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code walstream status} in-process on a synthetic archive: the JSON on stdout and the human text. */
final class StatusCommandTest {

    private static final long SYSID = SyntheticArchive.SYSID;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = new CommandLine(new Walstream());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private void archive() throws Exception {
        SyntheticArchive.write(dir, 1, 4, true);
    }

    @Test
    void jsonOnStdoutSaysWhatTheArchiveHoldsAndWhereItsWalEnds() throws Exception {
        archive();
        assertThat(run("status", "-D", dir.toString(), "--json")).isZero();
        String json = out.toString().strip();
        assertThat(json).startsWith("{").endsWith("}")
            .contains("\"directory\": \"" + dir.toAbsolutePath() + "\"")
            .contains("\"systemIdentifier\": \"" + SYSID + "\"")
            .contains("\"segmentSize\": 1048576")
            .contains("\"receiverRunning\": false")
            .contains("\"completeSegments\": 3")
            .contains("\"partialSegments\": 1")
            .contains("\"firstSegment\": \"000000010000000000000001\"")
            .contains("\"receivingSegment\": \"000000010000000000000004.partial\"")
            .contains("\"walEnd\": \"0/400050\"") // after the partial's one 40-byte record at offset 40
            .contains("\"resumeLsn\": \"0/400000\"")
            .containsPattern("\"freeBytes\": [1-9][0-9]*")
            .contains("\"lowOnSpace\": ")
            .contains("\"server\": null");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void anEmptyArchiveHasNoEndAndTextGoesToStdout() throws Exception {
        assertThat(run("status", "-D", dir.toString())).isZero();
        assertThat(out.toString()).contains("receiver running:   no").contains("0 complete").doesNotContain("WAL ends");
        out.getBuffer().setLength(0);
        assertThat(run("status", "-D", dir.toString(), "--json")).isZero();
        assertThat(out.toString()).contains("\"walEnd\": null").contains("\"systemIdentifier\": null");
    }

    @Test
    void helpWorksDespiteTheHostOptionTakingDashH() {
        assertThat(run("status", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: walstream status").contains("--slot").contains("--json");
    }

    @Test
    void aSlotWithoutAConnectionIsAUsageError() throws Exception {
        archive();
        assertThat(run("status", "-D", dir.toString(), "--slot", "s")).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).contains("--slot needs a connection");
    }
}
