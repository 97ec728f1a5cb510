package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.WalPageMagic;
import io.walstream.protocol.wal.XLogPageHeader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code walstream status} in-process on a synthetic archive: the JSON on stdout and the human text. */
final class StatusCommandTest {

    private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
    private static final long SYSID = 7_300_000_000_000_000_123L;

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

    /** Complete 1 MB PostgreSQL 17 segments 1..3 (one XLOG_SWITCH each), and a {@code .partial} of 4 with one record. */
    private void archive() throws Exception {
        Files.writeString(dir.resolve("walstream.identity"), "system_identifier=" + SYSID + "\nwal_segment_size="
            + SIZE.bytes() + "\n");
        for (long s = 1; s <= 4; s++) {
            boolean complete = s < 4;
            byte[] bytes = new byte[SIZE.bytes()];
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            long start = s * SIZE.bytes();
            int length = complete ? 24 : 24 + 16;
            b.putShort(0, (short) WalPageMagic.PG17).putShort(2, (short) XLogPageHeader.XLP_LONG_HEADER).putInt(4, 1)
                .putLong(8, start).putLong(24, SYSID).putInt(32, SIZE.bytes()).putInt(36, XLogPageHeader.PAGE_SIZE);
            b.putInt(40, length).putLong(48, start - SIZE.bytes() + 40).put(56, (byte) (complete ? 0x40 : 0));
            CRC32C crc = new CRC32C();
            crc.update(bytes, 40 + 24, length - 24);
            crc.update(bytes, 40, 20);
            b.putInt(60, (int) crc.getValue());
            Files.write(dir.resolve(WalFileName.of(1, s, SIZE) + (complete ? "" : ".partial")), bytes);
        }
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
