package io.walstream.walreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.pgcluster.AuthMethod;
import io.walstream.pgcluster.PgBinaries;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgServerException;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.replication.IdentifySystem;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every command, a slot lifecycle and a byte-checked stream, on every major, across the auth methods. */
@ExtendWith(PgClusterExtension.class)
class ClientVersionMatrixIT {

    @ParameterizedTest(name = "PostgreSQL {0}, {1}")
    @CsvSource({"13, TRUST", "14, MD5", "15, SCRAM_SHA_256", "16, MD5", "17, TRUST", "18, SCRAM_SHA_256"})
    void commandsSlotsAndStreaming(int major, AuthMethod auth) throws Exception {
        try (PgCluster pg = PgCluster.builder().binaries(PgBinaries.resolve(major, List.of(PgBinaries.Source.CENTRAL)))
                .name("m" + major).auth(auth).start()) {
            pg.createReplicationUser("walstream", "s3cret");
            String conninfo = "host=127.0.0.1 port=" + pg.port() + " user=walstream password=s3cret"
                    + " sslmode=disable application_name=matrix" + major;
            try (ReplicationConnection c = ReplicationConnection.open(
                    io.walstream.walreceiver.conn.ConnectionSettings.resolve(conninfo, java.util.Map.of(),
                            java.util.Map.of(), java.nio.file.Path.of("/nonexistent"), "nobody"),
                    ReplicationConnection.Options.defaults().withStatusInterval(java.time.Duration.ofMillis(200)))) {
                assertThat(c.serverVersion().major()).isEqualTo(major);
                IdentifySystem id = c.identifySystem();
                assertThat(id.systemIdString()).isEqualTo(pg.systemIdentifier());
                WalSegmentSize segmentSize = WalSegmentSize.parse(c.show("wal_segment_size"));
                assertThat(segmentSize.bytes()).isEqualTo(pg.walSegmentSize());
                assertThatThrownBy(() -> c.timelineHistory(1)).isInstanceOf(PgServerException.class);

                c.createPhysicalSlot("matrix_slot", false, true);
                if (major >= 15) {
                    assertThat(c.readReplicationSlot("matrix_slot")).hasValueSatisfying(
                            info -> assertThat(info.restartLsn().value()).isPositive());
                    assertThat(c.readReplicationSlot("no_such_slot")).isEmpty();
                } else {
                    assertThatThrownBy(() -> c.readReplicationSlot("matrix_slot"))
                            .isInstanceOf(PgServerException.class);
                }

                Lsn start = id.xlogPos().segmentStart(segmentSize);
                MemorySink sink = new MemorySink();
                ReplicationStream stream = c.startReplication("matrix_slot", start, id.timeline(), sink);
                stream.started().get(30, TimeUnit.SECONDS);
                pg.execute("CREATE TABLE t AS SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
                Lsn end = Lsn.parse(pg.currentWalLsn());
                sink.awaitWritten(end.value(), 60_000);
                assertThat(pg.queryString("SELECT state FROM pg_stat_replication WHERE application_name = ?",
                        "matrix" + major)).isEqualTo("streaming");
                stream.stop();
                assertThat(StreamEnds.await(stream)).isInstanceOf(StreamEnd.StoppedByClient.class);

                byte[] server = pg.readWalFile(io.walstream.protocol.WalFileName.of(id.timeline(), start, segmentSize).toString());
                int length = (int) Math.min(end.value() - start.value(), server.length);
                assertThat(sink.range(start.value(), length)).isEqualTo(java.util.Arrays.copyOf(server, length));

                c.createPhysicalSlot("matrix_temp", true, true);
                c.dropReplicationSlot("matrix_slot", true);
                assertThat(pg.queryString("SELECT string_agg(slot_name || ':' || temporary, ',')"
                        + " FROM pg_replication_slots")).isEqualTo("matrix_temp:true");
            }
            // the walsender drops its temporary slot as it exits, just after our Terminate
            long deadline = System.currentTimeMillis() + 10_000;
            while (!"0".equals(pg.queryString("SELECT count(*) FROM pg_replication_slots"))
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertThat(pg.queryString("SELECT count(*) FROM pg_replication_slots")).as("temporary slot gone").isEqualTo("0");
        }
    }
}
