package io.walstream.replaysim.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.archiver.compress.SegmentCompression;
import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.Await;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.replaysim.ReplayRecord;
import io.walstream.replaysim.StandbySettings;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code receive --receipt-log} on a real primary that deletes and vacuums, then the delay sweep of
 * {@code simulate --archive} over what was archived: the decoded cleanup records cancel queries at delay 0 and none
 * at -1.
 */
@ExtendWith(PgClusterExtension.class)
class ArchiveSweepIT {

    @Test
    void simulatesFromAnArchiveWithReceiptTimes(@TempDir Path dir) throws Exception {
        simulatesFrom(dir, SegmentCompression.NONE);
    }

    @Test
    void simulatesFromACompressedArchive(@TempDir Path dir) throws Exception {
        simulatesFrom(dir, SegmentCompression.parse("lz4"));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".lz4"));
        }
    }

    private static void simulatesFrom(Path dir, SegmentCompression compression) throws Exception {
        try (PgCluster pg = PgCluster.builder().name("simulate_archive").setting("autovacuum", "off").start()) {
            ConnectionSettings settings = ConnectionSettings.resolve("host=127.0.0.1 sslmode=disable port=" + pg.port()
                    + " user=" + pg.superuser() + " password=" + pg.password(), Map.of(), Map.of(),
                    Path.of("/nonexistent"), "nobody");
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, ReceiveOptions.of(settings).withReceiptLog(true)
                    .withCompression(compression)
                    .withLoop(false, Duration.ofSeconds(1)).withStatusInterval(Duration.ofSeconds(1)))) {
                CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
                await("receiver streaming", 60_000, () -> receiver.progress().streaming());
                pg.execute("CREATE TABLE t (id int, payload text) WITH (fillfactor = 50)",
                        "INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
                for (int i = 0; i < 6; i++) {
                    Thread.sleep(500);
                    pg.execute("DELETE FROM t WHERE id % 6 = " + i, "VACUUM t");
                }
                Lsn end = Lsn.parse(pg.switchWal());
                await("WAL up to " + end + " durable", 60_000,
                        () -> receiver.progress().durableLsn() >= end.value());
                receiver.stop();
                assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
            }
        }
        StringWriter out = new StringWriter();
        // simulate --archive DIR --delay 0,-1 --query-rate 20 --query-seconds 2 --seed 5
        SweepInput input = SweepInput.archive(dir, new SweepInput.Queries(null, null, List.of(), 20, 2, 5));
        DelaySweep.run(input, List.of(new DelaySweep.Delay("0", 0), new DelaySweep.Delay("-1", StandbySettings.WAIT_FOREVER)),
                false, 5, new PrintWriter(out, true), null);
        String text = out.toString();
        assertThat(text).contains("archive " + dir);
        assertThat(text).containsPattern("(?m)^0 +[1-9][0-9]* +")
                .as("cleanup records decoded from real WAL cancel queries at delay 0");
        assertThat(text).containsPattern("(?m)^-1 +0 +0 +0 +0 +0 +[1-9]");
        // the time origin is said; a window cut by LSN starts there, and its origin is that record's receipt
        assertThat(text).contains("time origin ").contains("the first receipt, of ");
        ReplayRecord middle = input.records().get(input.records().size() / 2);
        SweepInput cut = SweepInput.archive(dir, new SweepInput.Queries(null, null, List.of(), 20, 2, 5),
                new SweepInput.Window(Lsn.of(middle.lsn()).toString(), null, null));
        assertThat(cut.records().get(0).lsn()).isGreaterThanOrEqualTo(middle.lsn());
        assertThat(cut.records()).hasSizeLessThan(input.records().size());
        assertThat(cut.originMicros()).isEqualTo(cut.receipts().get(0).receivedMicros());
    }

    private static void await(String what, long timeoutMillis, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        Await.until(what, java.time.Duration.ofMillis(timeoutMillis), condition);
    }
}
