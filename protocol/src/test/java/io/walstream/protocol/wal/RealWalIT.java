package io.walstream.protocol.wal;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.PgBinaries;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real WAL from real servers, 13 to 18: every record of every segment in the range verifies (page headers, CRC,
 * prev-links), fed to the verifier in random chunks and read by the reader. The reader's agreement with pg_waldump
 * record by record: {@code PgWaldumpFixtureTest}, on committed WAL of 15 and pg_waldump 15's output of it.
 */
@Tag("pg")
@ExtendWith(PgClusterExtension.class)
class RealWalIT {

    /** Table, index, FPIs (compressed), updates, deletes, vacuum, subtransactions, a 100 kB record, checkpoints, a switch, 20 MB of inserts. */
    private static final String[] WORKLOAD = {
        "CREATE TABLE t (id int PRIMARY KEY, v text)",
        "INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 5000) g",
        "CHECKPOINT",
        "UPDATE t SET v = v || 'x' WHERE id % 3 = 0",
        "DELETE FROM t WHERE id % 7 = 0",
        "VACUUM t",
        "CREATE INDEX ON t (v)",
        "SELECT pg_switch_wal()",
        "INSERT INTO t SELECT g, md5(g::text) FROM generate_series(300000, 420000) g",
        "CREATE TABLE big (v text)",
        "ALTER TABLE big ALTER v SET STORAGE EXTERNAL",
        "INSERT INTO big SELECT string_agg(md5(g::text), '') FROM generate_series(1, 2000) g",
        "SELECT pg_logical_emit_message(true, 'walstream', repeat(md5('a'), 3200))",
        "DO $$ BEGIN FOR i IN 1..20 LOOP BEGIN INSERT INTO t VALUES (200000 + i, 'sub'); "
            + "EXCEPTION WHEN others THEN NULL; END; END LOOP; END $$",
        "CHECKPOINT",
        "UPDATE t SET v = 'y' WHERE id < 100",
    };

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {13, 14, 15, 16, 17, 18})
    void everyRecordOfRealWalVerifies(int major, @TempDir Path dir) throws Exception {
        try (PgCluster pg = PgCluster.builder().binaries(PgBinaries.resolve(major, List.of(PgBinaries.Source.CENTRAL)))
            .name("wal" + major).setting("wal_level", "logical").setting("wal_compression", "on").start()) {
            pg.createPhysicalSlot("keep"); // keeps every segment from here on
            Lsn start = Lsn.parse(pg.currentWalLsn());
            pg.execute(WORKLOAD);
            Lsn switchEnd = Lsn.parse(pg.switchWal());
            WalSegmentSize segmentSize = WalSegmentSize.ofBytes(pg.walSegmentSize());
            long sysid = Long.parseUnsignedLong(pg.systemIdentifier());

            long firstSegment = start.segmentNumber(segmentSize);
            long lastSegment = switchEnd.minus(1).segmentNumber(segmentSize);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            List<Path> files = new ArrayList<>();
            for (long seg = firstSegment; seg <= lastSegment; seg++) {
                String name = WalFileName.of(1, seg, segmentSize).segmentName();
                byte[] bytes = pg.readWalFile(name);
                assertThat(bytes).hasSize(segmentSize.bytes());
                all.writeBytes(bytes);
                files.add(Files.write(dir.resolve(name), bytes));
            }
            byte[] wal = all.toByteArray();
            long base = WalFileName.of(1, firstSegment, segmentSize).startLsn().value();

            // The verifier, fed as the archiver feeds it: chunks of any size, split anywhere.
            WalStreamVerifier verifier = new WalStreamVerifier(segmentSize, 1, sysid, major);
            Random random = new Random(major);
            for (int at = 0; at < wal.length; ) {
                int n = Math.min(wal.length - at, 1 + random.nextInt(random.nextInt(10) == 0 ? 100 : 140_000));
                verifier.accept(ByteBuffer.wrap(wal, at, n), base + at);
                at += n;
            }
            // As the archiver runs it: unused space must be the zeros the server wrote.
            WalStreamVerifier strict = new WalStreamVerifier(segmentSize, 1, sysid, major).requireZeroUnusedSpace();
            for (int at = 0; at < wal.length; ) {
                int n = Math.min(wal.length - at, 1 + random.nextInt(140_000));
                strict.accept(ByteBuffer.wrap(wal, at, n), base + at);
                at += n;
            }
            assertThat(strict.recordsVerified()).isEqualTo(verifier.recordsVerified());
            assertThat(strict.verifiedEnd()).isEqualTo(verifier.verifiedEnd());
            long mask = segmentSize.bytes() - 1L;
            Lsn switchedSegmentEnd = Lsn.of((switchEnd.value() + mask) & ~mask);
            assertThat(verifier.verifiedFrontier()).as("a switch record verifies the rest of its segment")
                .isEqualTo(switchedSegmentEnd);
            assertThat(verifier.endOfWal()).isFalse();

            // The reader, from the segment files.
            List<WalRecordSummary> records = new ArrayList<>();
            boolean sawImage = false;
            boolean sawCompressedImage = false;
            boolean sawToplevelXid = false;
            boolean sawMultiPage = false;
            boolean sawSegmentCrossing = false;
            try (WalRecordReader reader = WalRecordReader.open(files,
                new WalRecordReader.Options(1, sysid, major, true))) {
                while (reader.next()) {
                    WalRecord r = reader.record();
                    WalRecordBody body = r.body();
                    records.add(new WalRecordSummary(r.lsn(), r.prev(), r.totalLength(), r.totalLength() - body.fpiLength(),
                        Integer.toUnsignedLong(r.xid()), RmgrId.nameOf(r.rmid()), blocks(body)));
                    for (int i = 0; i < body.blockCount(); i++) {
                        BlockReference b = body.block(i);
                        sawImage |= b.hasImage();
                        sawCompressedImage |= b.imageCompression() != BlockReference.ImageCompression.NONE;
                    }
                    sawToplevelXid |= body.toplevelXid() != 0;
                    sawMultiPage |= r.totalLength() > 3 * 8192;
                    sawSegmentCrossing |= Lsn.of(r.lsn()).segmentNumber(segmentSize)
                        != Lsn.of(r.endLsn() - 1).segmentNumber(segmentSize);
                }
                assertThat(reader.serverMajor()).isEqualTo(major);
                assertThat(reader.verifiedEnd()).isEqualTo(switchedSegmentEnd.value());
            }
            assertThat(records).hasSize((int) verifier.recordsVerified());
            assertThat(records.get(records.size() - 1).rmgr()).isEqualTo("XLOG");
            assertThat(files).as("segments, one ended by a switch, one crossed by records").hasSizeGreaterThanOrEqualTo(3);
            assertThat(sawImage).as("full-page images").isTrue();
            assertThat(sawCompressedImage).as("compressed full-page images").isTrue();
            assertThat(sawMultiPage).as("records over several pages").isTrue();
            assertThat(sawSegmentCrossing).as("a record across a segment edge").isTrue();
            assertThat(sawToplevelXid).as("top-level xids (14+, wal_level logical)").isEqualTo(major >= 14);

            System.out.printf("PostgreSQL %d: %d records, %d segments, verified up to %s%n", major, records.size(),
                files.size(), switchEnd);
        }
    }

    /** A record as the reader read it. */
    record WalRecordSummary(long lsn, long prev, int totalLength, int recordLength, long xid, String rmgr,
                            String blocks) {
        @Override
        public String toString() {
            return rmgr + " " + Lsn.format(lsn) + " prev " + Lsn.format(prev) + " len " + recordLength + "/"
                + totalLength + " tx " + xid + " " + blocks;
        }
    }

    private static String blocks(WalRecordBody body) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < body.blockCount(); i++) {
            BlockReference b = body.block(i);
            s.append('#').append(b.blockId()).append(' ').append(b.relationPath()).append(' ').append(b.forkNumber())
                .append(' ').append(b.blockNumber()).append(b.hasImage() ? " FPW" : "").append(';');
        }
        return s.toString();
    }
}
