package io.walstream.pgcluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.junit.PgClusterExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every supported major from Maven Central starts and answers IDENTIFY_SYSTEM on a physical replication connection. */
@ExtendWith(PgClusterExtension.class)
class VersionMatrixIT {

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {13, 14, 15, 16, 17, 18})
    void startsAndAnswersIdentifySystem(int major) throws Exception {
        PgBinaries binaries = PgBinaries.resolve(major, List.of(PgBinaries.Source.CENTRAL));
        try (PgCluster pg = PgCluster.builder().binaries(binaries).name("v" + major).start()) {
            assertThat(pg.serverVersionNum() / 10000).isEqualTo(major);
            try (Connection c = pg.replicationConnection(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("IDENTIFY_SYSTEM")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("systemid")).isEqualTo(pg.systemIdentifier());
                assertThat(rs.getInt("timeline")).isEqualTo(1);
                assertThat(rs.getString("xlogpos")).matches("[0-9A-F]+/[0-9A-F]+");
            }
        }
    }
}
