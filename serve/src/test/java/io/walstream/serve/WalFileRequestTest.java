package io.walstream.serve;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Only file names reach the archive: anything else, however encoded, is a 400. */
final class WalFileRequestTest {

    @Test
    void namesPostgresqlAsksFor() {
        assertThat(WalFileRequest.parse("/wal/000000010000000A000000FF"))
                .isEqualTo(new WalFileRequest("000000010000000A000000FF", false));
        assertThat(WalFileRequest.parse("/wal/00000002.history")).isEqualTo(new WalFileRequest("00000002.history", false));
        assertThat(WalFileRequest.parse("/wal/000000010000000000000002.00000028.backup"))
                .isEqualTo(new WalFileRequest("000000010000000000000002.00000028.backup", false));
        assertThat(WalFileRequest.parse("/wal/000000010000000000000003.partial"))
                .isEqualTo(new WalFileRequest("000000010000000000000003", true));
        assertThat(WalFileRequest.parse("/")).isEqualTo(WalFileRequest.STATUS);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/wal/../walstream.identity", "/wal/..%2fetc%2fpasswd", "/wal/%2e%2e%2f000000010000000000000001",
        "/wal/%30%30000001000000000000000001", "/etc/passwd", "/wal//etc/passwd", "/wal/",
        "/wal/000000010000000000000001%00", "/wal/000000010000000000000001\u0000", "/wal/000000010000000000000001/",
        "/wal/000000010000000000000001?x=1", "/wal/000000010000000000000001.gz", "/wal/000000010000000000000001.zst",
        "/wal/00000002.history.partial", "/wal/walstream.identity", "/wal/walstream.lock", "/wal/0000000100000000000000zz",
        "/wal/000000010000000000000001.partial.partial", "http://host/wal/000000010000000000000001",
        "/WAL/000000010000000000000001", "/wal/000000010000000000000001000000010000000000000001000000010000000000000001",
        "", "*"})
    void anythingElseIsRefused(String uri) {
        assertThat(WalFileRequest.parse(uri)).isNull();
    }
}
