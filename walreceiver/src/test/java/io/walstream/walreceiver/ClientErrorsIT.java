package io.walstream.walreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgServerException;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Failures a user meets first: each is one typed error that says what failed and where. */
@ExtendWith(PgClusterExtension.class)
class ClientErrorsIT {

    @Test
    void refusedPortNamesTheHostAndPort() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int closedPort = port;
        assertThatThrownBy(() -> ReplicationConnection.open(settings("host=127.0.0.1 port=" + closedPort)))
                .isInstanceOf(ConnectionException.class)
                .hasMessageContaining("could not connect to 127.0.0.1:" + closedPort);
    }

    @Test
    void unknownHostNamesTheHost() {
        assertThatThrownBy(() -> ReplicationConnection.open(settings("host=no-such-host.invalid port=5432")))
                .isInstanceOf(ConnectionException.class)
                .hasMessageContaining("no-such-host.invalid");
    }

    @Test
    void missingSlotAndRemovedWalAreServerErrorsWithSqlState() throws Exception {
        try (PgCluster pg = PgCluster.builder().name("errors").start();
                ReplicationConnection c = ReplicationConnection.open(settings("host=127.0.0.1 port=" + pg.port()
                        + " user=postgres password=" + pg.password()))) {
            assertThatThrownBy(() -> c.startReplication("no_such_slot", c.identifySystem().xlogPos(), 1,
                    new MemorySink()).await())
                    .isInstanceOf(PgServerException.class)
                    .hasMessageContaining("no_such_slot")
                    .satisfies(e -> assertThat(((PgServerException) e).sqlState()).isEqualTo("42704"));

            // Recycle the first segments, then ask for them.
            pg.execute("CREATE TABLE filler AS SELECT g FROM generate_series(1, 10) g");
            for (int i = 0; i < 3; i++) {
                pg.switchWal();
                pg.execute("INSERT INTO filler VALUES (1)", "CHECKPOINT");
            }
            assertThatThrownBy(() -> c.startReplication(null, Lsn.parse("0/1000000"), 1, new MemorySink()).await())
                    .isInstanceOf(PgServerException.class)
                    .hasMessageContaining("has already been removed");
            assertThat(c.identifySystem().timeline()).as("still usable").isEqualTo(1);
        }
    }

    private static ConnectionSettings settings(String conninfo) {
        return ConnectionSettings.resolve(conninfo + " sslmode=disable connect_timeout=10", Map.of(), Map.of(),
                Path.of("/nonexistent"), "nobody");
    }
}
