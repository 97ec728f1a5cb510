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

/** {@code walstream verify} in-process: exit codes, where output goes, and the JSON shape. */
final class VerifyCommandTest {

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

    /** Complete 1 MB PostgreSQL 17 segments {@code from..to} on timeline 1, each holding one XLOG_SWITCH record. */
    private void segments(long from, long to) throws Exception {
        Files.writeString(dir.resolve("walstream.identity"), "system_identifier=" + SYSID + "\nwal_segment_size="
            + SIZE.bytes() + "\n");
        for (long s = from; s <= to; s++) {
            byte[] bytes = new byte[SIZE.bytes()];
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            long start = s * SIZE.bytes();
            b.putShort(0, (short) WalPageMagic.PG17).putShort(2, (short) XLogPageHeader.XLP_LONG_HEADER).putInt(4, 1)
                .putLong(8, start).putLong(24, SYSID).putInt(32, SIZE.bytes()).putInt(36, XLogPageHeader.PAGE_SIZE);
            b.putInt(40, 24).putLong(48, start - SIZE.bytes() + 40).put(56, (byte) 0x40);
            CRC32C crc = new CRC32C();
            crc.update(bytes, 40, 20);
            b.putInt(60, (int) crc.getValue());
            Files.write(dir.resolve(WalFileName.of(1, s, SIZE).toString()), bytes);
        }
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
