package io.walstream.pgcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.pgcluster.junit.PgClusterExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PgClusterExtension.class)
class AuthAndTlsIT {

    @Test
    void scramRefusesWrongPasswordForNormalAndReplicationConnections() throws Exception {
        try (PgCluster pg = PgCluster.builder().auth(AuthMethod.SCRAM_SHA_256).start()) {
            pg.createReplicationUser("walstream", "right'password");
            assertThat(pg.queryString("SELECT left(rolpassword, 13) FROM pg_authid WHERE rolname = 'walstream'"))
                    .isEqualTo("SCRAM-SHA-256");

            assertThatThrownBy(() -> pg.connect(credentials("walstream", "wrong")))
                    .rootCause().isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
            Properties replication = credentials("walstream", "wrong");
            replication.setProperty("replication", "true");
            replication.setProperty("preferQueryMode", "simple");
            assertThatThrownBy(() -> pg.connect(replication))
                    .rootCause().satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));

            replication.setProperty("password", "right'password");
            try (Connection c = pg.connect(replication)) {
                assertThat(c.createStatement().executeQuery("IDENTIFY_SYSTEM").next()).isTrue();
            }
        }
    }

    @Test
    void md5StoresMd5PasswordsAndChecksThem() throws Exception {
        try (PgCluster pg = PgCluster.builder().auth(AuthMethod.MD5).start()) {
            pg.createReplicationUser("rep", "secret");
            assertThat(pg.queryString("SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'rep'"))
                    .isEqualTo("md5");
            assertThatThrownBy(() -> pg.connect(credentials("rep", "nope")))
                    .rootCause().satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
            try (Connection c = pg.connect(credentials("rep", "secret"))) {
                assertThat(c.isValid(5)).isTrue();
            }
        }
    }

    @Test
    void tlsAcceptsVerifyFullWithGeneratedCaAndRefusesAnotherCa() throws Exception {
        try (PgCluster pg = PgCluster.builder().tlsRequired(true).start();
                PgCluster other = PgCluster.builder().name("other").tls(true).create()) {
            Properties verifyFull = new Properties();
            verifyFull.setProperty("sslmode", "verify-full");
            verifyFull.setProperty("sslrootcert", pg.tls().rootCert().toString());
            try (Connection c = pg.connect(verifyFull)) {
                assertThat(c.createStatement().executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                        .next()).isTrue();
                var rs = c.createStatement().executeQuery("SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("true");
            }

            Properties wrongCa = new Properties();
            wrongCa.setProperty("sslmode", "verify-full");
            wrongCa.setProperty("sslrootcert", other.tls().rootCert().toString());
            assertThatThrownBy(() -> pg.connect(wrongCa)).hasMessageContaining("SSL");

            Properties plain = new Properties();
            plain.setProperty("sslmode", "disable");
            assertThatThrownBy(() -> pg.connect(plain))
                    .rootCause().satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28000"));
        }
    }

    private static Properties credentials(String user, String password) {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        return p;
    }
}
