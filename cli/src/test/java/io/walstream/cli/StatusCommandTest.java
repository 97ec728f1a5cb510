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
        CommandLine cl = Walstream.commandLine();
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

    @Test
    void besideASpoolTheStoreShowsItsNewestObjectAndHowFarBehindItIs() throws Exception {
        archive(); // the spool: segments 1-3 complete, 4 being received
        io.walstream.archiver.store.ArchiveDirectory spool = io.walstream.archiver.store.ArchiveDirectory.open(dir);
        io.walstream.archiver.store.ArchiveDirectory objects = io.walstream.archiver.store.ArchiveDirectory.create(
                dir.resolveSibling(dir.getFileName() + "-store"));
        for (String name : new String[] {"walstream.identity", "000000010000000000000001",
            "000000010000000000000002"}) {
            objects.put(name, dir.resolve(name));
        }
        java.nio.file.Files.setLastModifiedTime(dir.resolve("000000010000000000000003"),
                java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(600)));

        StatusCommand.Store store = StatusCommand.store(objects, spool);
        assertThat(store.newestObject()).isEqualTo("000000010000000000000002");
        assertThat(store.archivedLsn()).hasToString("0/300000");
        assertThat(store.lagBytes()).as("the spool's end 0/400050 minus 0/300000").isEqualTo(0x100050L);
        assertThat(store.lagSeconds()).as("segment 3, the oldest the store lacks, was written 600 s ago")
                .isGreaterThanOrEqualTo(600L);

        StringWriter text = new StringWriter();
        StatusCommand.print(StatusCommand.status(spool).withStore(store), new PrintWriter(text, true));
        assertThat(text.toString()).contains("object store:").contains("newest object:    000000010000000000000002")
                .contains("behind the spool: 1048656 bytes");
        assertThat(StatusCommand.toJson(StatusCommand.status(spool).withStore(store)).get("store").toString())
                .contains("lagBytes=1048656").contains("newestObject=000000010000000000000002");
    }
}
