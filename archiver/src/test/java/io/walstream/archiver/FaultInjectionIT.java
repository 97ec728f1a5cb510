package io.walstream.archiver;

import static io.walstream.archiver.ArchiveReceiverIT.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Network faults under a write load, through {@link FaultProxy}: the connection cut, and stalled past
 * {@code wal_sender_timeout} (the server drops us). Each round ends when walstream has reconnected on its
 * own and made durable everything the server had written at the fault. At the end every complete segment
 * is byte-identical to the server's, {@code verify} is clean, and nothing was lost. Seeded: the seed is
 * printed, {@code -Dfaults.seed=N} replays it.
 */
@ExtendWith(PgClusterExtension.class)
class FaultInjectionIT {

    private record Round(String fault, long recoveryMillis) {
    }

    @Test
    void cutsAndStallsUnderLoadLoseNothing(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("faults.seed", System.nanoTime());
        Random random = new Random(seed);
        int cuts = Integer.getInteger("faults.cuts", 8);
        int stalls = Integer.getInteger("faults.stalls", 3);
        int crashes = Integer.getInteger("faults.crashes", 2);
        int shutdowns = Integer.getInteger("faults.shutdowns", 2);
        System.out.printf("FaultInjectionIT seed %d (-Dfaults.seed=%d to replay): %d cuts, %d stalls, %d server crashes,"
                + " %d fast shutdowns%n", seed, seed, cuts, stalls, crashes, shutdowns);
        try (PgCluster pg = PgCluster.builder().name("faults").setting("wal_sender_timeout", "2s")
                .setting("wal_keep_size", "1GB").start();
                FaultProxy proxy = new FaultProxy("127.0.0.1", pg.port())) {
            pg.execute("CREATE TABLE t (id int, payload text)");
            WalSegmentSize size = WalSegmentSize.ofBytes(pg.walSegmentSize());
            ConnectionSettings viaProxy = ConnectionSettings.resolve("host=127.0.0.1 sslmode=disable port="
                    + proxy.port() + " user=" + pg.superuser() + " password=" + pg.password()
                    + " application_name=faults connect_timeout=5", Map.of(), Map.of(), Path.of("/nonexistent"), "nobody");
            ReceiveOptions opts = ReceiveOptions.of(viaProxy).withSlot("faults", true, true)
                    .withStatusInterval(Duration.ofSeconds(1)).withLoop(true, Duration.ofMillis(200));
            List<Round> rounds = new ArrayList<>();
            AtomicBoolean loading = new AtomicBoolean(true);
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, opts)) {
                CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
                awaitTrue(() -> receiver.progress().streaming());
                CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
                    while (loading.get()) {
                        try {
                            ArchiveReceiverIT.write(pg, 500);
                        } catch (RuntimeException serverDown) {
                            sleepQuietly(100); // the server is being crashed or restarted
                        }
                    }
                });
                List<String> faults = new ArrayList<>();
                for (int i = 0; i < cuts; i++) {
                    faults.add("cut");
                }
                for (int i = 0; i < stalls; i++) {
                    faults.add("stall");
                }
                for (int i = 0; i < crashes; i++) {
                    faults.add("crash");
                }
                for (int i = 0; i < shutdowns; i++) {
                    faults.add("shutdown");
                }
                java.util.Collections.shuffle(faults, random);
                for (String fault : faults) {
                    Thread.sleep(200 + random.nextInt(800));
                    long connectionsBefore = proxy.connections();
                    long t0 = System.nanoTime();
                    switch (fault) {
                        case "cut" -> proxy.cut();
                        case "stall" -> {
                            proxy.stall(true);
                            Thread.sleep(3_500); // past wal_sender_timeout (2 s): the server ends the walsender
                            proxy.stall(false);
                        }
                        case "crash" -> {
                            pg.crash(); // SIGKILL of the postmaster and its children; crash recovery at start
                            pg.start();
                        }
                        default -> {
                            pg.stop(io.walstream.pgcluster.StopMode.FAST);
                            pg.start();
                        }
                    }
                    Lsn atFault = Lsn.parse(pg.currentWalLsn());
                    awaitTrue(() -> proxy.connections() > connectionsBefore
                            && receiver.progress().durableLsn() >= atFault.value());
                    rounds.add(new Round(fault, (System.nanoTime() - t0) / 1_000_000));
                }
                loading.set(false);
                load.get(60, TimeUnit.SECONDS);
                Lsn end = Lsn.parse(pg.switchWal());
                awaitTrue(() -> receiver.progress().durableLsn() >= end.value());
                assertThat(receiver.metrics().reconnects()).isGreaterThanOrEqualTo(faults.size());
                receiver.stop();
                assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
            }

            List<WalFileName> segments = ArchiveDirectory.open(dir).segments(size);
            long compared = 0;
            long lostBytes = 0;
            for (WalFileName name : segments) {
                if (name.partial()) {
                    continue;
                }
                byte[] ours = Files.readAllBytes(dir.resolve(name.toString()));
                byte[] theirs = pg.readWalFile(name.toString());
                if (!Arrays.equals(ours, theirs)) {
                    lostBytes += Arrays.mismatch(ours, theirs) >= 0 ? theirs.length - Arrays.mismatch(ours, theirs) : 0;
                }
                compared++;
            }
            VerifyReport report = ArchiveVerifier.verify(dir);
            System.out.println("fault   rounds  bytes lost  recovery p50 / max (ms)");
            for (String kind : List.of("cut", "stall", "crash", "shutdown")) {
                long[] ms = rounds.stream().filter(r -> r.fault().equals(kind)).mapToLong(Round::recoveryMillis).sorted()
                        .toArray();
                if (ms.length > 0) {
                    System.out.printf("%-7s %6d %11d  %6d / %d%n", kind, ms.length, lostBytes, ms[(ms.length - 1) / 2],
                            ms[ms.length - 1]);
                }
            }
            System.out.printf(
                    "(bytes lost: bytes of complete segments that differ from the server's, over the whole run)%n");
            System.out.printf("%d complete segments compared with the server's, verify clean: %s%n", compared,
                    report.clean());
            assertThat(compared).isGreaterThanOrEqualTo(2);
            assertThat(lostBytes).as("bytes differing from the server's").isZero();
            assertThat(report.clean()).as(report.toString()).isTrue();
        }
    }

    @Test
    void anotherClusterBehindTheSameAddressIsRefusedAndTheArchiveKeepsItsWal(@TempDir Path dir) throws Exception {
        try (PgCluster first = PgCluster.builder().name("faults_first").start();
                PgCluster second = PgCluster.builder().name("faults_second").password(first.password()).start();
                FaultProxy proxy = new FaultProxy("127.0.0.1", first.port())) {
            ReceiveOptions opts = ReceiveOptions.of(viaProxy(proxy, first, "replaced"))
                    .withStatusInterval(Duration.ofSeconds(1)).withLoop(true, Duration.ofMillis(200));
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, opts)) {
                CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
                awaitTrue(() -> receiver.progress().streaming());
                Lsn end = Lsn.parse(first.switchWal());
                awaitTrue(() -> receiver.progress().durableLsn() >= end.value());
                proxy.retarget(second.port());
                proxy.cut();
                assertThat(run).failsWithin(Duration.ofSeconds(60)).withThrowableThat()
                        .havingRootCause().withMessageContaining(second.systemIdentifier());
            }
            assertThat(Files.readString(dir.resolve(ArchiveDirectory.IDENTITY_FILE))).contains(first.systemIdentifier())
                    .doesNotContain(second.systemIdentifier());
            assertThat(ArchiveVerifier.verify(dir).clean()).isTrue();
        }
    }

    @Test
    void aSlotDroppedWhileStreamingIsAClearErrorNotASkip(@TempDir Path dir) throws Exception {
        try (PgCluster pg = PgCluster.builder().name("faults_slot").start();
                FaultProxy proxy = new FaultProxy("127.0.0.1", pg.port())) {
            ReceiveOptions opts = ReceiveOptions.of(viaProxy(proxy, pg, "dropped")).withSlot("dropped", true, true)
                    .withStatusInterval(Duration.ofSeconds(1)).withLoop(true, Duration.ofMillis(200));
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, opts)) {
                CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
                awaitTrue(() -> receiver.progress().streaming());
                proxy.stall(true); // keep walstream from reconnecting before the slot is gone
                pg.query("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'dropped'");
                awaitTrue(() -> pg.query("SELECT active FROM pg_replication_slots WHERE slot_name = 'dropped'")
                        .equals(List.of(List.of("f"))));
                pg.execute("SELECT pg_drop_replication_slot('dropped')");
                proxy.stall(false);
                proxy.cut();
                assertThat(run).failsWithin(Duration.ofSeconds(60)).withThrowableThat()
                        .havingRootCause().withMessageContaining("dropped");
            }
        }
    }

    private static ConnectionSettings viaProxy(FaultProxy proxy, PgCluster pg, String applicationName) {
        return ConnectionSettings.resolve("host=127.0.0.1 sslmode=disable port=" + proxy.port() + " user="
                + pg.superuser() + " password=" + pg.password() + " application_name=" + applicationName
                + " connect_timeout=5", Map.of(), Map.of(), Path.of("/nonexistent"), "nobody");
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
