package io.walstream.archiver.pipeline;

import static io.walstream.archiver.ArchiveReceiverIT.awaitTrue;
import static io.walstream.archiver.ArchiveReceiverIT.options;
import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.archiver.ArchiveReceiverIT;
import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgEpoch;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code receive --receipt-log} against a real server: one receipt per message, contiguous from the
 * stream's start through everything made durable, filed under the segment each message starts in,
 * with our receipt times inside the test's own wall-clock window and after the server's send times.
 */
@ExtendWith(PgClusterExtension.class)
class ReceiptLogIT {

    @ParameterizedTest(name = "synchronous={0}")
    @ValueSource(booleans = {false, true})
    void everyMessageHasAReceiptInOrder(boolean synchronous, @TempDir Path dir) throws Exception {
        try (PgCluster pg = PgCluster.builder().name("receipts").start()) {
            pg.execute("CREATE TABLE t (id int, payload text)");
            WalSegmentSize size = WalSegmentSize.ofBytes(pg.walSegmentSize());
            ReceiveOptions opts = options(pg, "application_name=receipts").withReceiptLog(true)
                    .withFsync(synchronous ? FsyncPolicy.synchronous() : FsyncPolicy.defaults());
            long before = PgEpoch.now(Clock.systemUTC());
            Lsn end;
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, opts)) {
                CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
                awaitTrue(() -> receiver.progress().streaming());
                for (int i = 0; i < 20; i++) {
                    ArchiveReceiverIT.write(pg, 2_000); // a few MB in many commits: messages of all sizes
                }
                pg.switchWal();
                ArchiveReceiverIT.write(pg, 1_000);
                end = Lsn.parse(pg.currentWalLsn());
                awaitTrue(() -> receiver.progress().durableLsn() >= end.value());
                receiver.stop();
                assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
            }
            long after = PgEpoch.now(Clock.systemUTC());

            List<ReceiptLog.Receipt> receipts = ReceiptLog.read(dir);
            assertThat(receipts).hasSizeGreaterThan(10);
            assertThat(receipts.get(0).dataStart() % size.bytes()).as("starts at a segment start").isZero();
            for (int i = 1; i < receipts.size(); i++) {
                ReceiptLog.Receipt prev = receipts.get(i - 1);
                ReceiptLog.Receipt r = receipts.get(i);
                assertThat(r.dataStart()).as("receipt %d follows %d without gap or overlap", i, i - 1)
                        .isEqualTo(prev.dataEnd());
                assertThat(r.receivedMicros()).as("receipt times do not go back").isGreaterThanOrEqualTo(
                        prev.receivedMicros());
            }
            assertThat(receipts.get(receipts.size() - 1).dataEnd()).isGreaterThanOrEqualTo(end.value());
            for (ReceiptLog.Receipt r : receipts) {
                assertThat(r.dataEnd()).isGreaterThan(r.dataStart());
                assertThat(r.receivedMicros()).isBetween(before, after);
                // same machine: the server sent it before we got it (1 ms of slack for clock granularity)
                assertThat(r.sendTime()).isBetween(before - 1_000, r.receivedMicros() + 1_000);
            }
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.filter(p -> !p.equals(dir)).toList()) {
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as("mode of " + p)
                            .isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
                }
            }
            try (Stream<Path> files = Files.list(dir.resolve(ReceiptLog.DIRECTORY))) {
                List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
                List<String> expected = receipts.stream()
                        .map(r -> WalFileName.of(1, Lsn.of(r.dataStart()).segmentNumber(size), size).toString())
                        .distinct().sorted().toList();
                assertThat(names).as("one file per segment a message starts in").isEqualTo(expected);
            }
        }
    }
}
