package io.walstream.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.protocol.WalFileName.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class WalFileNameTest {

    private static final WalSegmentSize MB1 = WalSegmentSize.ofMegabytes(1);
    private static final WalSegmentSize MB16 = WalSegmentSize.ofMegabytes(16);
    private static final WalSegmentSize GB1 = WalSegmentSize.ofMegabytes(1024);

    @ParameterizedTest
    @CsvSource({
        // mb, timeline, lsn, name
        "16, 1, 0/1000000, 000000010000000000000001",
        "16, 1, 0/0, 000000010000000000000000",
        "16, 1, 0/FFFFFF, 000000010000000000000000",
        "16, 2, 16/B374D848, 0000000200000016000000B3",
        "16, 1, 1/0, 000000010000000100000000",
        "16, 1, 0/FF000000, 0000000100000000000000FF",
        "16, 255, FFFFFFFF/FFFFFFFF, 000000FFFFFFFFFF000000FF",
        "1, 1, 0/100000, 000000010000000000000001",
        "1, 1, 0/FFF00000, 000000010000000000000FFF",
        "1, 1, 1/0, 000000010000000100000000",
        "1, 1, FFFFFFFF/FFFFFFFF, 00000001FFFFFFFF00000FFF",
        "1024, 1, 1/40000000, 000000010000000100000001",
        "1024, 1, 0/C0000000, 000000010000000000000003",
        "1024, 16, 2/0, 000000100000000200000000",
        "1024, 1, FFFFFFFF/FFFFFFFF, 00000001FFFFFFFF00000003",
    })
    void namesTheSegmentContainingAnLsn(int megabytes, int timeline, String lsn, String expected) {
        WalSegmentSize size = WalSegmentSize.ofMegabytes(megabytes);
        WalFileName name = WalFileName.of(timeline, Lsn.parse(lsn), size);
        assertThat(name).hasToString(expected);
        assertThat(name.startLsn()).isEqualTo(Lsn.parse(lsn).segmentStart(size));
        assertThat(WalFileName.parse(expected, size)).isEqualTo(name);
    }

    @Test
    void startAndEnd() {
        WalFileName name = WalFileName.parse("000000010000000100000001", GB1);
        assertThat(name.segmentNumber()).isEqualTo(5);
        assertThat(name.startLsn()).isEqualTo(Lsn.parse("1/40000000"));
        assertThat(name.endLsn()).isEqualTo(Lsn.parse("1/80000000"));
        assertThat(WalFileName.parse("00000001000000000000000F", MB16).endLsn()).isEqualTo(Lsn.parse("0/10000000"));
    }

    @ParameterizedTest
    @CsvSource({
        "000000010000000000000001.partial, NONE, true",
        "000000010000000000000001.gz, GZIP, false",
        "000000010000000000000001.lz4, LZ4, false",
        "000000010000000000000001.zst, ZSTD, false",
        "000000010000000000000001.gz.partial, GZIP, true",
        "000000010000000000000001.lz4.partial, LZ4, true",
        "000000010000000000000001.zst.partial, ZSTD, true",
    })
    void parsesAndFormatsSuffixes(String fileName, Compression compression, boolean partial) {
        assertThat(WalFileName.isWalFileName(fileName)).isTrue();
        WalFileName name = WalFileName.parse(fileName, MB16);
        assertThat(name.compression()).isEqualTo(compression);
        assertThat(name.partial()).isEqualTo(partial);
        assertThat(name.segmentName()).isEqualTo("000000010000000000000001");
        assertThat(name).hasToString(fileName);
        assertThat(WalFileName.of(1, 1, MB16).withCompression(compression).withPartial(partial)).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00000001000000000000001", "0000000100000000000000010", "00000001000000000000000a",
        "000000010000000000000001.partial.gz", "000000010000000000000001.bz2", "000000010000000000000001.", "00000001.history",
        "000000010000000000000001.00000028.backup", "../00000001000000000000001", "000000010000000000000001.PARTIAL",
        "x00000010000000000000001", "00000001.history.partial"})
    void refusesOtherNames(String fileName) {
        assertThat(WalFileName.isWalFileName(fileName)).isFalse();
        assertThatThrownBy(() -> WalFileName.parse(fileName, MB16))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("not a WAL segment file name: \"" + fileName + "\"");
    }

    @Test
    void refusesSegmentPartBeyondTheSegmentSize() {
        assertThat(WalFileName.parse("000000010000000000000004", MB16).segmentNumber()).isEqualTo(4);
        assertThatThrownBy(() -> WalFileName.parse("000000010000000000000004", GB1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("segment part 00000004 (expected: < 4 for 1GB segments)");
        assertThat(WalFileName.parse("000000010000000000000FFF", MB1).segmentNumber()).isEqualTo(0xFFF);
        assertThatThrownBy(() -> WalFileName.parse("000000010000000000000100", MB16)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void historyFileNames() {
        assertThat(WalFileName.historyFileName(2)).isEqualTo("00000002.history");
        assertThat(WalFileName.historyFileName(0x1A)).isEqualTo("0000001A.history");
        assertThat(WalFileName.isHistoryFileName("0000001A.history")).isTrue();
        assertThat(WalFileName.parseHistoryFileName("0000001A.history")).isEqualTo(26);
        assertThat(WalFileName.isHistoryFileName("0000001a.history")).isFalse();
        assertThat(WalFileName.isHistoryFileName("000001A.history")).isFalse();
        assertThat(WalFileName.isHistoryFileName("0000001A.history.partial")).isFalse();
        assertThat(WalFileName.isHistoryFileName("000000010000000000000001")).isFalse();
        assertThatThrownBy(() -> WalFileName.parseHistoryFileName("1.history")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void backupHistoryFileNames() {
        assertThat(WalFileName.backupHistoryFileName(1, Lsn.parse("0/2000028"), MB16)).isEqualTo("000000010000000000000002.00000028.backup");
        assertThat(WalFileName.backupHistoryFileName(3, Lsn.parse("1/40000060"), GB1)).isEqualTo("000000030000000100000001.00000060.backup");
        assertThat(WalFileName.isBackupHistoryFileName("000000010000000000000002.00000028.backup")).isTrue();
        assertThat(WalFileName.isBackupHistoryFileName("000000010000000000000002.0000028.backup")).isFalse();
        assertThat(WalFileName.isBackupHistoryFileName("000000010000000000000002.00000028.backup.gz")).isFalse();
        assertThat(WalFileName.isBackupHistoryFileName("000000010000000000000002")).isFalse();
        assertThat(WalFileName.isWalFileName("000000010000000000000002.00000028.backup")).isFalse();
    }

    @Test
    void validatesSegmentNumberRange() {
        assertThatThrownBy(() -> WalFileName.of(1, -1, MB16)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WalFileName.of(1, 1L << 40, MB16)).isInstanceOf(IllegalArgumentException.class);
        assertThat(WalFileName.of(1, (1L << 40) - 1, MB16)).hasToString("00000001FFFFFFFF000000FF");
    }
}
