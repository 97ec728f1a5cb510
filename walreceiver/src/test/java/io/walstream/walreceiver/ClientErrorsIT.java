package io.walstream.walreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgAuthenticationException;
import io.walstream.protocol.PgServerException;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Failures a user meets first: each is one typed error, on one line, that says what failed,
 * where, and what to do. (A server older than 13: {@link UnsupportedServerTest}.)
 */
@ExtendWith(PgClusterExtension.class)
class ClientErrorsIT {

    private static PgCluster pg;

    @BeforeAll
    static void start() {
        pg = PgCluster.builder().name("errors").start();
    }

    @AfterAll
    static void stop() {
        pg.close();
    }

    @Test
    void refusedPortNamesTheHostAndPortAndWhatToCheck() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int closedPort = port;
        assertThatThrownBy(() -> ReplicationConnection.open(settings("host=127.0.0.1 port=" + closedPort)))
                .isInstanceOf(ConnectionException.class)
                .hasMessageStartingWith("could not connect to 127.0.0.1:" + closedPort + ": connection refused")
                .hasMessageContaining("listen_addresses")
                .satisfies(ClientErrorsIT::oneLine);
    }

    @Test
    void unknownHostNamesTheHostAndWhatToCheck() {
        assertThatThrownBy(() -> ReplicationConnection.open(settings("host=no-such-host.invalid port=5432")))
                .isInstanceOf(ConnectionException.class)
                .hasMessageStartingWith("could not connect to no-such-host.invalid:5432: unknown host")
                .hasMessageContaining("check the host name")
                .satisfies(ClientErrorsIT::oneLine);
    }

    @Test
    void wrongPasswordIsAnAuthenticationErrorThatSaysWhereToSetThePassword() {
        assertThatThrownBy(() -> ReplicationConnection.open(settings("host=127.0.0.1 port=" + pg.port()
                + " user=" + pg.superuser() + " password=wrong")))
                .isInstanceOf(PgAuthenticationException.class)
                .hasMessageContaining("password authentication failed for user \"" + pg.superuser() + "\"")
                .hasMessageContaining("Hint: (walstream) check the password for this user (password=, PGPASSWORD")
                .hasMessageNotContaining(pg.password())
                .satisfies(e -> assertThat(((PgServerException) e).sqlState()).isEqualTo("28P01"))
                .satisfies(ClientErrorsIT::oneLine);
    }

    @Test
    void missingSlotAndRemovedWalAreServerErrorsWithSqlStateAndWhatToDo() {
        try (ReplicationConnection c = ReplicationConnection.open(settings("host=127.0.0.1 port=" + pg.port()
                + " user=" + pg.superuser() + " password=" + pg.password()))) {
            assertThatThrownBy(() -> StreamEnds.await(c.startReplication("no_such_slot", c.identifySystem().xlogPos(),
                    1, new MemorySink())))
                    .isInstanceOf(PgServerException.class)
                    .hasMessageContaining("replication slot \"no_such_slot\" does not exist")
                    .hasMessageContaining("Hint: (walstream) create the slot first")
                    .satisfies(e -> assertThat(((PgServerException) e).sqlState()).isEqualTo("42704"))
                    .satisfies(ClientErrorsIT::oneLine);

            // No slot holds WAL back: switch segments and checkpoint until the first ones are removed.
            pg.execute("CREATE TABLE filler AS SELECT g FROM generate_series(1, 10) g");
            for (int i = 0; i < 3; i++) {
                pg.switchWal();
                pg.execute("INSERT INTO filler VALUES (1)", "CHECKPOINT");
            }
            assertThatThrownBy(() -> StreamEnds.await(c.startReplication(null, Lsn.parse("0/1000000"), 1,
                    new MemorySink())))
                    .isInstanceOf(PgServerException.class)
                    .hasMessageMatching("ERROR: requested WAL segment 0+10+1 has already been removed .*")
                    .hasMessageContaining("Hint: (walstream) the server no longer has that WAL; start at its current"
                            + " position (IDENTIFY_SYSTEM) and use a replication slot")
                    .satisfies(e -> assertThat(((PgServerException) e).sqlState()).isEqualTo("58P01"))
                    .satisfies(ClientErrorsIT::oneLine);
            assertThat(c.identifySystem().timeline()).as("still usable").isEqualTo(1);
        }
    }

    private static void oneLine(Throwable e) {
        assertThat(e.getMessage()).doesNotContain("\n");
    }

    private static ConnectionSettings settings(String conninfo) {
        return ConnectionSettings.resolve(conninfo + " sslmode=disable connect_timeout=10", Map.of(), Map.of(),
                Path.of("/nonexistent"), "nobody");
    }
}
