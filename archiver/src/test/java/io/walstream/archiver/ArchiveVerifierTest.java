package io.walstream.archiver;

import io.walstream.archiver.verify.VerifyReport;

import io.walstream.archiver.verify.ArchiveVerifier;

import static io.walstream.archiver.SyntheticArchive.name;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.archiver.verify.VerifyReport.Finding;
import io.walstream.archiver.verify.VerifyReport.Kind;
import io.walstream.archiver.verify.VerifyReport.Severity;
import io.walstream.protocol.Lsn;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ArchiveVerifier} on small synthetic archives (1 MB segments). */
final class ArchiveVerifierTest {

    @TempDir
    Path dir;

    private SyntheticArchive archive() {
        return new SyntheticArchive(dir);
    }

    @Test
    void aCompleteArchiveIsClean() throws Exception {
        archive().identity().complete(1, 1, 4).partial(1, 5);
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings()).isEmpty();
        assertThat(report.clean()).isTrue();
        assertThat(report.segments()).isEqualTo(5);
        assertThat(report.completeSegments()).isEqualTo(4);
        assertThat(report.partialSegments()).isEqualTo(1);
        assertThat(report.recordsVerified()).isEqualTo(5);
        assertThat(report.bytesRead()).isEqualTo(5L * SyntheticArchive.SIZE.bytes());
        assertThat(report.serverMajor()).isEqualTo(17);
        assertThat(report.identity().systemId()).isEqualTo(SyntheticArchive.SYSID);
        assertThat(report.timelines()).singleElement().satisfies(t -> {
            assertThat(t.timeline()).isEqualTo(1);
            assertThat(t.firstSegment()).isEqualTo(name(1, 1));
            assertThat(t.lastSegment()).isEqualTo(name(1, 5) + ".partial");
            assertThat(t.segments()).isEqualTo(5);
            assertThat(t.verifiedEnd()).isEqualTo(Lsn.parse("0/500050"));
        });
    }

    @Test
    void aMissingIdentityIsOnlyAWarning() throws Exception {
        archive().complete(1, 1, 2);
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.clean()).isTrue();
        assertThat(report.identityFile()).isFalse();
        assertThat(report.identity().systemId()).isEqualTo(SyntheticArchive.SYSID);
        assertThat(report.findings()).extracting(Finding::kind).containsExactly(Kind.IDENTITY_MISSING);
    }

    @Test
    void anIdentityOfAnotherClusterIsAnError() throws Exception {
        archive().identity(42).complete(1, 1, 2);
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings(Kind.IDENTITY_MISMATCH)).singleElement()
            .satisfies(f -> assertThat(f.message()).contains("42").contains(Long.toUnsignedString(SyntheticArchive.SYSID)));
        assertThat(report.clean()).isFalse();
    }

    @Test
    void aGapNamesTheMissingSegmentsAndTheirRange() throws Exception {
        archive().identity().complete(1, 1, 2).complete(1, 5, 6);
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.kind()).isEqualTo(Kind.GAP);
            assertThat(f.file()).isEqualTo(name(1, 3));
            assertThat(f.lsn()).isEqualTo(Lsn.parse("0/300000"));
            assertThat(f.message()).contains(name(1, 3)).contains(name(1, 4)).contains("0/300000")
                .contains("0/500000");
        });
    }

    @Test
    void aPartialBeforeLaterSegmentsIsAnError() throws Exception {
        archive().identity().complete(1, 1, 1).partial(1, 2).complete(1, 3, 3);
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings()).extracting(Finding::kind).containsExactly(Kind.INCOMPLETE_SEGMENT);
        assertThat(report.findings().get(0).file()).isEqualTo(name(1, 2) + ".partial");
    }

    private SyntheticArchive switchedArchive() throws Exception {
        // Timeline 2 branched at 0/380000, inside segment 3: timeline 1's copy of it is a .partial.
        return archive().identity().complete(1, 1, 2).partial(1, 3)
            .history(2, "1\t0/380000\tno recovery target specified\n").complete(2, 3, 4).partial(2, 5);
    }

    @Test
    void aTimelineSwitchIsClean() throws Exception {
        switchedArchive();
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings()).isEmpty();
        assertThat(report.timelines()).hasSize(2);
        assertThat(report.timelines().get(0).end()).isEqualTo(Lsn.parse("0/380000"));
        assertThat(report.timelines().get(1).begin()).isEqualTo(Lsn.parse("0/380000"));
        assertThat(report.timelines().get(1).end()).isNull();
        assertThat(report.timelines().get(1).firstSegment()).isEqualTo(name(2, 3));
    }

    @Test
    void theOldTimelinesCopyOfTheSwitchSegmentIsOptional() throws Exception {
        switchedArchive();
        Files.delete(dir.resolve(name(1, 3) + ".partial"));
        assertThat(ArchiveVerifier.verify(dir).findings()).isEmpty();
    }

    @Test
    void theNewTimelinesFirstSegmentIsRequired() throws Exception {
        switchedArchive();
        Files.delete(dir.resolve(name(2, 3)));
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.GAP);
            assertThat(f.file()).isEqualTo(name(2, 3));
        });
    }

    @Test
    void aGapAcrossASwitchNamesEachTimelinesSegments() throws Exception {
        archive().identity().complete(1, 1, 1).history(2, "1\t0/380000\treason\n").complete(2, 5, 5);
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings(Kind.GAP)).extracting(Finding::file).containsExactly(name(1, 2), name(2, 3));
    }

    @Test
    void segmentsPastASwitchPointAreOffTheHistory() throws Exception {
        switchedArchive().complete(1, 4, 4);
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.clean()).isTrue();
        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.OFF_HISTORY);
            assertThat(f.file()).isEqualTo(name(1, 4));
            assertThat(f.message()).contains("ended at 0/380000");
        });
    }

    @Test
    void aTimelineWithoutHistoryIsAnError() throws Exception {
        archive().identity().complete(1, 1, 2).complete(2, 3, 4);
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings()).extracting(Finding::kind).containsExactly(Kind.HISTORY_MISSING);
        assertThat(report.findings().get(0).file()).isEqualTo("00000002.history");
    }

    @Test
    void damagedAndInconsistentHistoriesAreErrors() throws Exception {
        archive().identity().complete(1, 1, 2).history(2, "1\t0/380000\treason\n")
            .history(3, "1\t0/200000\treason\n2\t0/500000\treason\n").history(4, "nonsense\n");
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings(Kind.HISTORY_INCONSISTENT)).singleElement()
            .satisfies(f -> assertThat(f.file()).isEqualTo("00000003.history"));
        assertThat(report.findings(Kind.HISTORY_INVALID)).singleElement()
            .satisfies(f -> assertThat(f.file()).isEqualTo("00000004.history"));
    }

    @Test
    void duplicateRepresentationsAreWarnedAboutAndBothVerified() throws Exception {
        archive().identity().complete(1, 1, 3).gzip(name(1, 2), false);
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.clean()).isTrue();
        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.DUPLICATE);
            assertThat(f.file()).isEqualTo(name(1, 2) + ".gz");
        });
        assertThat(report.compressedSegments()).isEqualTo(1);
        assertThat(report.recordsVerified()).isEqualTo(4);
    }

    @Test
    void compressedSegmentsAreVerifiedAfterDecompression() throws Exception {
        archive().identity().complete(1, 1, 3).gzip(name(1, 1), true).gzip(name(1, 3), true);
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings()).isEmpty();
        assertThat(report.recordsVerified()).isEqualTo(3);
        assertThat(report.bytesRead()).isEqualTo(3L * SyntheticArchive.SIZE.bytes());
    }

    @Test
    void aCorruptRecordNamesItsFileAndLsn() throws Exception {
        archive().identity().complete(1, 1, 3);
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(name(1, 2)).toFile(), "rw")) {
            f.seek(40 + 20); // xl_crc of the segment's record
            int b = f.read();
            f.seek(40 + 20);
            f.write(b ^ 0x01);
        }
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.WAL_DEFECT);
            assertThat(f.file()).isEqualTo(name(1, 2));
            assertThat(f.lsn()).isEqualTo(Lsn.parse("0/200028"));
            assertThat(f.message()).contains("CRC");
        });
    }

    @Test
    void aCorruptCompressedSegmentIsUnreadable() throws Exception {
        archive().identity().complete(1, 1, 2).gzip(name(1, 2), true);
        Path gz = dir.resolve(name(1, 2) + ".gz");
        byte[] bytes = Files.readAllBytes(gz);
        Files.write(gz, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings()).extracting(Finding::kind).containsExactly(Kind.UNREADABLE);
    }

    @Test
    void aTruncatedSegmentIsASizeError() throws Exception {
        archive().identity().complete(1, 1, 3);
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(name(1, 2)).toFile(), "rw")) {
            f.setLength(500_000);
        }
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.SIZE);
            assertThat(f.file()).isEqualTo(name(1, 2));
            assertThat(f.message()).contains("500000 bytes").contains("1048576");
        });
    }

    @Test
    void aCompleteSegmentThatEndsInZerosIsAnError() throws Exception {
        archive().identity().complete(1, 1, 1);
        Files.write(dir.resolve(name(1, 2)), SyntheticArchive.segment(1, 2, false));
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.END_OF_WAL);
            assertThat(f.file()).isEqualTo(name(1, 2));
        });
    }

    @Test
    void anEmptyDirectoryIsCleanAndAMissingOneIsRefused() {
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.clean()).isTrue();
        assertThat(report.findings()).extracting(Finding::kind).containsExactly(Kind.IDENTITY_MISSING, Kind.EMPTY);
        assertThatThrownBy(() -> ArchiveVerifier.verify(dir.resolve("nope"))).isInstanceOf(ArchiveException.class)
            .hasMessageContaining("does not exist");
    }
}
