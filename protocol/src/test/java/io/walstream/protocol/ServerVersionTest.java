package io.walstream.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class ServerVersionTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "16.1|160001|16|16.1",
        "15.4 (Debian 15.4-2.pgdg120+1)|150004|15|15.4",
        "9.6.24|90624|9|9.6.24",
        "9.4|90400|9|9.4.0",
        "17beta2|170000|17|17.0",
        "18devel|180000|18|18.0",
        "13rc1|130000|13|13.0",
    })
    void parsesServerVersion(String text, int num, int major, String printed) {
        ServerVersion version = ServerVersion.parse(text);
        assertThat(version.versionNum()).isEqualTo(num);
        assertThat(version.major()).isEqualTo(major);
        assertThat(version).hasToString(printed);
        assertThat(version.isAtLeast(num)).isTrue();
        assertThat(version.isAtLeast(num + 1)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "devel", "v16", "6.5"})
    void rejectsOthers(String text) {
        assertThatThrownBy(() -> ServerVersion.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
