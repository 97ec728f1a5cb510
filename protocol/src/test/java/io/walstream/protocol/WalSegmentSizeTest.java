package io.walstream.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class WalSegmentSizeTest {

    @Test
    void segmentsPerXLogId() {
        assertThat(WalSegmentSize.ofMegabytes(1).segmentsPerXLogId()).isEqualTo(4096);
        assertThat(WalSegmentSize.DEFAULT.segmentsPerXLogId()).isEqualTo(256);
        assertThat(WalSegmentSize.ofMegabytes(1024).segmentsPerXLogId()).isEqualTo(4);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 1 << 19, 3 << 20, 17 << 20, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void rejectsInvalidSizes(int bytes) {
        assertThatThrownBy(() -> WalSegmentSize.ofBytes(bytes))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("WAL segment size: " + bytes + " (expected: a power of two from 1 MB to 1 GB)");
    }

    @Test
    void parsesShowOutput() {
        assertThat(WalSegmentSize.parse("16MB")).isEqualTo(WalSegmentSize.DEFAULT);
        assertThat(WalSegmentSize.parse("1GB").bytes()).isEqualTo(1 << 30);
        assertThat(WalSegmentSize.parse("1MB").bytes()).isEqualTo(1 << 20);
        assertThat(WalSegmentSize.parse("2048kB").bytes()).isEqualTo(2 << 20);
        assertThat(WalSegmentSize.parse("16777216").bytes()).isEqualTo(16 << 20);
        assertThat(WalSegmentSize.DEFAULT).hasToString("16MB");
        assertThat(WalSegmentSize.ofMegabytes(1024)).hasToString("1GB");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "MB", "16 XB", "2GB", "8TB", "3MB", "abc", "99999999999999999999"})
    void rejectsUnparsableShowOutput(String text) {
        assertThatThrownBy(() -> WalSegmentSize.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
