package io.walstream.walreceiver;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.protocol.replication.IdentifySystem;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's streaming example, as written there, against a real server; plus the builder and listener. */
@ExtendWith(PgClusterExtension.class)
class ReadmeExampleIT {

    @Test
    void theReadmeExampleStreamsWalIntoACallback() throws Exception {
        try (PgCluster pg = PgCluster.builder().name("readme").start()) {
            String conninfo = "host=127.0.0.1 port=" + pg.port() + " user=" + pg.superuser() + " password="
                    + pg.password() + " sslmode=disable";
            AtomicReference<ReplicationStream> current = new AtomicReference<>();
            AtomicLong keepalives = new AtomicLong();
            AtomicLong lastSendTime = new AtomicLong();
            CompletableFuture<Long> received = new CompletableFuture<>();
            Lsn[] target = new Lsn[1];

            CompletableFuture<StreamEnd> done = CompletableFuture.supplyAsync(() -> {
                // ---- README example begins
                try (ReplicationConnection c = ReplicationConnection.builder()
                        .conninfo(conninfo)
                        .statusInterval(Duration.ofSeconds(1))
                        .listener(new ReplicationEventListener() {   // optional: every protocol event
                            public void onKeepalive(long walEnd, long sendTime, boolean replyRequested) {
                                keepalives.incrementAndGet();
                            }
                        })
                        .open()) {
                    IdentifySystem id = c.identifySystem();
                    WalSink sink = new WalSink() {            // runs on the I/O thread: don't block
                        volatile long end;
                        public boolean onWal(XLogData x) {
                            end = x.dataEnd();
                            lastSendTime.set(x.sendTime());
                            if (target[0] != null && end >= target[0].value()) {
                                received.complete(end);
                            }
                            x.release();
                            return true;
                        }
                        public long writtenLsn() { return end; }
                        public long flushedLsn() { return 0; } // report only what you made durable
                    };
                    return c.streamFollowingTimelines(null, id.xlogPos(), id.timeline(), sink, current::set);
                }
                // ---- README example ends
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (current.get() == null) {
                assertThat(System.nanoTime()).as("a stream started within 30 s").isLessThan(deadline);
                Thread.sleep(10);
            }
            current.get().started().get(30, TimeUnit.SECONDS);
            pg.execute("CREATE TABLE readme AS SELECT generate_series(1, 10000) AS g");
            target[0] = Lsn.parse(pg.currentWalLsn());
            pg.execute("CREATE TABLE nudge AS SELECT 1"); // more WAL after the target is set
            assertThat(received.get(30, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(target[0].value());
            assertThat(lastSendTime.get()).as("server clock in the XLogData header").isPositive();
            current.get().stop();
            assertThat(done.get(30, TimeUnit.SECONDS)).isInstanceOf(StreamEnd.StoppedByClient.class);
        }
    }
}
